//===- checker.cpp - names and types of expressions and statements --------===//
#include "lang/sema/checker.h"

#include "lang/sema/catalog/catalog.h"
#include "lang/sema/units.h"

#include <cctype>

namespace obs {

const Type *builtinIntegerType(TypeTable &types, const std::string &n) {
  static const struct { const char *name; unsigned bits; bool sign; } kInts[] = {
      {"int8", 8, true},   {"int16", 16, true},   {"int32", 32, true},   {"int64", 64, true},
      {"uint8", 8, false}, {"uint16", 16, false}, {"uint32", 32, false}, {"uint64", 64, false},
      {"s8", 8, true},     {"s16", 16, true},     {"s32", 32, true},     {"s64", 64, true},
      {"u8", 8, false},    {"u16", 16, false},    {"u32", 32, false},    {"u64", 64, false},
      {"bool", 8, false},
  };
  for (auto &i : kInts)
    if (n == i.name)
      return types.integer(i.bits, i.sign);
  return nullptr;
}

const Type *unifyIntegers(TypeTable &types, const Type *a, const Type *b) {
  Quantity q = a->quantity.base == Quantity::Plain ? b->quantity : a->quantity;
  return types.integer(std::max(a->bits, b->bits), a->isSigned || b->isSigned, q);
}

namespace {
std::string mapName(const MapRef &m) { return "@" + m.name; }

/// Map keys are stored at 64 bits so that `@[pid]` and `@[(uint64)pid]`
/// name the same map.
const Type *canonicalKey(TypeTable &types, const Type *t) {
  if (!t)
    return t;
  if (t->isInteger())
    return types.integer(64, t->isSigned);
  if (t->isPointer())
    return types.u64();
  if (t->kind == TypeKind::Tuple) {
    std::vector<const Type *> elems;
    for (const Type *e : t->elements)
      elems.push_back(canonicalKey(types, e));
    return types.tuple(elems);
  }
  return t;
}

bool sameShape(const Type *a, const Type *b) {
  if (a == b)
    return true;
  if (!a || !b || a->kind != b->kind)
    return false;
  switch (a->kind) {
  case TypeKind::Integer: case TypeKind::String: case TypeKind::Buffer:
  case TypeKind::Pointer: case TypeKind::Float: case TypeKind::Stack:
  case TypeKind::Symbol: case TypeKind::Timestamp: case TypeKind::Inet:
    return true;
  case TypeKind::Tuple:
    if (a->elements.size() != b->elements.size())
      return false;
    for (size_t i = 0; i < a->elements.size(); ++i)
      if (!sameShape(a->elements[i], b->elements[i]))
        return false;
    return true;
  case TypeKind::Aggregation:
    return a->aggregation == b->aggregation;
  default:
    return false;
  }
}

const Type *widen(TypeTable &types, const Type *a, const Type *b) {
  if (a->isInteger() && b->isInteger())
    return unifyIntegers(types, a, b);
  if (a->isString() && b->isString())
    return a->size >= b->size ? a : b;
  if (a->kind == TypeKind::Tuple && b->kind == TypeKind::Tuple) {
    std::vector<const Type *> e;
    for (size_t i = 0; i < a->elements.size(); ++i)
      e.push_back(widen(types, a->elements[i], b->elements[i]));
    return types.tuple(e);
  }
  return a;
}
} // namespace

//===-- Literals and names ----------------------------------------------===//

void ExprChecker::visitIntegerLit(Expr &e, IntegerLit &n) {
  e.type = ctx_.types.integer(64, n.value <= INT64_MAX);
}
void ExprChecker::visitStringLit(Expr &e, StringLit &n) {
  e.type = ctx_.types.string(static_cast<uint32_t>(n.value.size() + 1));
}
void ExprChecker::visitQuantityLit(Expr &e, QuantityLit &n) {
  Quantity q = Quantity::fromLiteral(n.unit);
  bool integral = n.value == static_cast<double>(static_cast<int64_t>(n.value));
  e.type = integral && !q.perSecond ? ctx_.types.integer(64, true, q) : ctx_.types.floating(q);
  if (e.type->kind == TypeKind::Float)
    kernelFloat(e, "'" + n.spelling + "'");
}

void ExprChecker::kernelFloat(Expr &e, const std::string &what) {
  if (scope_.alert || constantArgs_)
    return;
  ctx_.diags.report(DiagKind::type_mismatch, e.range,
                    {what + " is a fractional value, and probe bodies compute with integers"})
      .note("fractions and rates are evaluated in user space: in alert conditions, "
            "params and constant arguments such as quantile(x, 0.99)");
}

bool ExprChecker::available(const BuiltinVariable &v) {
  if (scope_.alert)
    return v.inAlert;
  return (scope_.kinds & v.probes) == scope_.kinds;
}

void ExprChecker::visitIdentifier(Expr &e, Identifier &n) {
  TypeTable &T = ctx_.types;
  if (const BuiltinVariable *v = findBuiltinVariable(n.name)) {
    if (!available(*v)) {
      if (scope_.alert)
        ctx_.diags.report(DiagKind::builtin_not_here, e.range, {n.name, "alert"})
            .note("an alert body sees the context of the event that crossed the "
                  "threshold: pid, tid, ppid, uid, gid, comm, cpu, cgroup, kstack, ustack");
      else
        ctx_.diags.report(DiagKind::builtin_not_here, e.range, {n.name, scope_.where})
            .note("'" + n.name + "' is available in " + describeProbeKinds(v->probes) +
                  " probes");
      e.type = T.u64();
      return;
    }
    const std::string &b = n.name;
    if (b == "pid" || b == "tid" || b == "ppid" || b == "uid" || b == "gid" || b == "cpu" ||
        b == "rand")
      e.type = T.integer(32, false);
    else if (b == "comm")
      e.type = T.string(16);
    else if (b == "username")
      e.type = T.string(32);
    else if (b == "nsecs" || b == "elapsed")
      e.type = T.integer(64, false, Quantity{Quantity::Duration, false});
    else if (b == "cgroup")
      e.type = T.u64();
    else if (b == "kstack" || b == "ustack")
      e.type = T.stack(b == "ustack", 127);
    else if (b == "args")
      e.type = argsType(e);
    else if (b == "retval") {
      e.type = T.i64();
      for (AttachPoint *ap : scope_.points)
        if (ap->kind == ProbeKind::Fexit) {
          std::string err;
          if (auto sig = ctx_.catalog.kernelFunction(ap->func, err))
            if (sig->returnType && sig->returnType->kind != TypeKind::Void)
              e.type = sig->returnType;
        }
    } else if (b == "func")
      e.type = T.symbol(scope_.kinds & (probeBit(ProbeKind::Uprobe) | probeBit(ProbeKind::Uretprobe)));
    else if (b == "probe")
      e.type = T.string(64);
    else if (b == "curtask") {
      const Type *task = ctx_.catalog.btfType("struct task_struct");
      e.type = task ? T.pointer(task) : T.u64();
    } else
      e.type = T.u64();
    return;
  }
  int arg = argIndex(n.name);
  if (arg >= 0 && !scope_.alert && scope_.kinds == probeBit(ProbeKind::Usdt)) {
    e.type = usdtArgType(e, arg);
    return;
  }
  if (arg >= 0) {
    ProbeMask ok = probeBit(ProbeKind::Kprobe) | probeBit(ProbeKind::Uprobe) |
                   probeBit(ProbeKind::Usdt) | probeBit(ProbeKind::RawTracepoint);
    if (scope_.alert || (scope_.kinds & ok) != scope_.kinds) {
      ctx_.diags.report(DiagKind::builtin_not_here, e.range,
                        {n.name, scope_.alert ? "alert" : scope_.where})
          .note("argN is available in kprobe, uprobe, usdt and rawtracepoint probes; "
                "tracepoints and fentry name their arguments: args.NAME");
    }
    e.type = ctx_.types.u64();
    return;
  }
  auto p = ctx_.params.find(ctx_.qualify(e.range.file, n.name));
  if (p != ctx_.params.end()) {
    if (auto c = evaluateConstant(ctx_, p->second)) {
      if (c->isString)
        e.type = ctx_.types.string(static_cast<uint32_t>(c->text.size() + 1));
      else if (c->value == static_cast<double>(static_cast<int64_t>(c->value)) &&
               !c->quantity.perSecond)
        e.type = ctx_.types.integer(64, true, c->quantity);
      else {
        e.type = ctx_.types.floating(c->quantity);
        kernelFloat(e, "param '" + n.name + "'");
      }
    } else {
      e.type = ctx_.types.i64();
    }
    return;
  }
  std::vector<std::string> cands = builtinVariableNames();
  std::string prefix = ctx_.qualify(e.range.file, "");
  for (auto &kv : ctx_.params)
    if (kv.first.rfind(prefix, 0) == 0 && kv.first.find('.', prefix.size()) == std::string::npos)
      cands.push_back(kv.first.substr(prefix.size()));
  auto d = ctx_.diags.report(DiagKind::unknown_identifier, e.range, {n.name});
  d.suggest(n.name, cands);
  if (n.name.size() > 1 && n.name[0] != '$')
    d.note("scratch variables start with '$' and maps with '@'");
  e.type = ctx_.types.i64();
}

/// The type of USDT argument `index`, from the probe's argument specs in
/// the ELF note: `-4@%edi` is a signed 4-byte value.
const Type *ExprChecker::usdtArgType(Expr &e, int index) {
  const Type *found = nullptr;
  for (AttachPoint *ap : scope_.points)
    for (const std::string &x : ap->expansions) {
      // x is "BINARY:PROVIDER:NAME"; the binary may contain ':' only in theory.
      size_t c2 = x.rfind(':'), c1 = x.rfind(':', c2 - 1);
      std::string err;
      const auto *probes = ctx_.catalog.usdtProbes(x.substr(0, c1), err);
      if (!probes)
        continue;
      for (const UsdtProbe &p : *probes) {
        if (p.provider != x.substr(c1 + 1, c2 - c1 - 1) || p.name != x.substr(c2 + 1))
          continue;
        std::vector<std::string> specs;
        size_t i = 0;
        while (i < p.arguments.size()) {
          size_t j = p.arguments.find(' ', i);
          if (j == std::string::npos) j = p.arguments.size();
          if (j > i) specs.push_back(p.arguments.substr(i, j - i));
          i = j + 1;
        }
        if (index >= static_cast<int>(specs.size())) {
          ctx_.diags.report(DiagKind::bad_probe_arg, e.range,
                            {"usdt probe " + p.provider + ":" + p.name + " has " +
                             std::to_string(specs.size()) + " argument" +
                             (specs.size() == 1 ? "" : "s") + ", so there is no arg" +
                             std::to_string(index)});
          return ctx_.types.u64();
        }
        const std::string &spec = specs[index];
        bool sign = !spec.empty() && spec[0] == '-';
        int bytes = std::atoi(spec.c_str() + (sign ? 1 : 0));
        if (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8)
          bytes = 8;
        const Type *t = ctx_.types.integer(bytes * 8, sign);
        if (!found)
          found = t;
      }
    }
  return found ? found : ctx_.types.u64();
}

void ExprChecker::visitPositionalParam(Expr &e, PositionalParam &n) {
  if (n.count) {
    e.type = ctx_.types.i64();
    return;
  }
  const auto &pos = ctx_.options.positional;
  if (n.index == 0 || n.index > pos.size()) {
    e.type = ctx_.types.i64();
    return;
  }
  auto c = evaluateConstant(ctx_, &e);
  if (!c || c->isString) {
    const std::string &v = pos[n.index - 1];
    e.type = ctx_.types.string(static_cast<uint32_t>(v.size() + 1));
  } else if (c->value == static_cast<double>(static_cast<int64_t>(c->value)) &&
             !c->quantity.perSecond) {
    e.type = ctx_.types.integer(64, true, c->quantity);
  } else {
    e.type = ctx_.types.floating(c->quantity);
    kernelFloat(e, "$" + std::to_string(n.index));
  }
}

void ExprChecker::visitVariable(Expr &e, Variable &n) {
  auto it = scope_.vars.find(n.name);
  if (it != scope_.vars.end()) {
    scope_.readVars.insert(n.name);
    e.type = it->second;
    if (!scope_.alert && !definite_.count(n.name))
      ctx_.diags.report(DiagKind::undefined_variable, e.range, {"$" + n.name})
          .note(scope_.assignedAt[n.name], "it is assigned only on some paths to this point");
    return;
  }
  if (scope_.alertCondition) {
    // A free variable in an alert condition binds a key; its type comes
    // from the map it indexes (visitMapRef sets it).
    scope_.keyVars.insert(n.name);
    e.type = nullptr;
    return;
  }
  std::vector<std::string> names;
  for (auto &kv : scope_.vars)
    names.push_back("$" + kv.first);
  ctx_.diags.report(DiagKind::undefined_variable, e.range, {"$" + n.name})
      .suggest("$" + n.name, names);
  e.type = ctx_.types.i64();
}

//===-- Maps ------------------------------------------------------------===//

/// The parts of a map key: `@m[a, b]` and `@m[(a, b)]` are the same key.
static std::vector<const Type *> keyParts(TypeTable &types, const MapRef &n) {
  std::vector<const Type *> parts;
  if (n.keys.size() == 1 && n.keys[0]->type && n.keys[0]->type->kind == TypeKind::Tuple) {
    for (const Type *t : n.keys[0]->type->elements)
      parts.push_back(canonicalKey(types, t));
    return parts;
  }
  for (Expr *k : n.keys)
    parts.push_back(canonicalKey(types, k->type));
  return parts;
}

const Type *ExprChecker::mapKeyType(MapRef &n) {
  if (n.keys.empty())
    return nullptr;
  if (n.keys.size() == 1)
    return canonicalKey(ctx_.types, n.keys[0]->type);
  std::vector<const Type *> parts;
  for (Expr *k : n.keys)
    parts.push_back(k->type);
  return canonicalKey(ctx_.types, ctx_.types.tuple(parts));
}

void ExprChecker::checkKeys(Expr &e, MapRef &n, bool defining) {
  MapInfo *info = nullptr;
  auto it = ctx_.maps.find(mapName(n));
  if (it != ctx_.maps.end())
    info = &it->second;
  // Key variables in an alert condition take the types of the map's keys.
  for (size_t i = 0; i < n.keys.size(); ++i) {
    Expr *k = n.keys[i];
    if (auto *v = k->as<Variable>(); v && scope_.alertCondition && !k->type &&
                                     scope_.keyVars.count(v->name)) {
      const Type *kt = ctx_.types.i64();
      if (info && info->keys.size() == n.keys.size())
        kt = info->keys[i];
      k->type = kt;
      scope_.vars[v->name] = kt;
    }
    if (k->type && (k->type->kind == TypeKind::Aggregation || k->type->kind == TypeKind::Void))
      ctx_.diags.report(DiagKind::type_mismatch, k->range,
                        {"a map key must be a value, but this is " + k->type->str()});
  }
  if (!info)
    return;
  std::vector<const Type *> keys = keyParts(ctx_.types, n);
  auto describe = [&](const std::vector<const Type *> &ks) {
    if (ks.empty())
      return std::string("nothing (no key)");
    std::string s;
    for (size_t i = 0; i < ks.size(); ++i)
      s += (i ? ", " : "") + (ks[i] ? ks[i]->str() : std::string("?"));
    return ks.size() > 1 ? "(" + s + ")" : s;
  };
  bool same = keys.size() == info->keys.size();
  for (size_t i = 0; same && i < keys.size(); ++i)
    same = sameShape(keys[i], info->keys[i]);
  if (!same) {
    if (info->assigned || defining)
      ctx_.diags.report(DiagKind::map_key_mismatch, e.range,
                        {mapName(n), describe(keys), describe(info->keys)})
          .note(info->firstUse, "first used here");
    return;
  }
  for (size_t i = 0; i < keys.size(); ++i)
    if (keys[i] && info->keys[i])
      info->keys[i] = widen(ctx_.types, info->keys[i], keys[i]);
}

const Type *ExprChecker::readMap(Expr &e, MapRef &n) {
  for (Expr *k : n.keys)
    visit(k);
  auto it = ctx_.maps.find(mapName(n));
  if (it == ctx_.maps.end()) {
    std::vector<std::string> names;
    for (auto &kv : ctx_.maps)
      names.push_back(kv.first);
    ctx_.diags.report(DiagKind::undefined_map, e.range, {mapName(n)})
        .suggest(mapName(n), names);
    return ctx_.types.i64();
  }
  MapInfo &info = it->second;
  info.read = true;
  checkKeys(e, n, false);
  const Type *v = info.value;
  if (!v)
    return ctx_.types.i64();
  if (v->kind != TypeKind::Aggregation)
    return v;
  // A windowed map read by an alert yields the window's derived value.
  if (scope_.alert) {
    switch (v->aggregation) {
    case AggregationKind::Count: case AggregationKind::Sum:
    case AggregationKind::Min: case AggregationKind::Max:
      return ctx_.types.integer(64, true, v->quantity);
    case AggregationKind::Stats: case AggregationKind::Hist: case AggregationKind::Lhist:
      ctx_.diags.report(DiagKind::type_mismatch, e.range,
                        {"map '" + mapName(n) + "' holds " + v->str() +
                         ", which has no single value to compare"})
          .hint("use quantile(x, q) over a window for a percentile");
      return ctx_.types.i64();
    default:
      return ctx_.types.floating(v->quantity);
    }
  }
  ctx_.diags.report(DiagKind::type_mismatch, e.range,
                    {"map '" + mapName(n) + "' holds " + v->str() +
                     ", which is merged across CPUs only in user space; it cannot be read in a probe"})
      .hint("print it with print(" + mapName(n) + "), or read it from an alert over a window");
  return ctx_.types.i64();
}

void ExprChecker::visitMapRef(Expr &e, MapRef &n) { e.type = readMap(e, n); }

void ExprChecker::assignMap(Stmt &s, Assign &a, MapRef &m) {
  for (Expr *k : m.keys)
    visit(k);
  if (a.window) {
    bool saved = constantArgs_;
    constantArgs_ = true; // window lengths are constants, used in user space
    visit(a.window->over);
    visit(a.window->every);
    constantArgs_ = saved;
  }
  const Type *value = nullptr;
  bool aggregation = false;
  if (auto *c = a.value->as<Call>()) {
    const FunctionDescriptor *f = findFunction(c->name);
    if (f && (f->kind == FunctionKind::Aggregation || f->kind == FunctionKind::WindowFunction)) {
      aggregation = true;
      if (a.op != AssignOp::Set)
        ctx_.diags.report(DiagKind::type_mismatch, s.range,
                          {"an aggregation is assigned with '=', not a compound operator"});
      value = callAggregation(*a.value, *c, *f);
    }
  }
  if (!aggregation) {
    visit(a.value);
    value = a.value->type;
    if (a.op != AssignOp::Set && value && !value->isNumeric())
      ctx_.diags.report(DiagKind::type_mismatch, a.value->range,
                        {"compound assignment needs a number, but the value is " + value->str()});
    if (value && value->kind == TypeKind::Void) {
      ctx_.diags.report(DiagKind::type_mismatch, a.value->range,
                        {"this expression has no value to assign"});
      value = nullptr;
    }
  }
  std::string name = mapName(m);
  MapInfo &info = ctx_.maps[name];
  // Maps are declared ahead (passes.cpp) so that a probe may read a map a
  // later probe assigns; the first assignment checked gives the types.
  if (!info.assigned) {
    info.name = name;
    info.firstUse = a.target->range;
    info.keys = keyParts(ctx_.types, m);
    info.value = value;
  } else {
    checkKeys(*a.target, m, true);
    if (value && info.value && !sameShape(value, info.value)) {
      ctx_.diags.report(DiagKind::map_value_mismatch, a.value->range,
                        {name, value->str(), info.value->str()})
          .note(info.firstUse, "first assigned here");
    } else if (value && info.value && !aggregation) {
      info.value = widen(ctx_.types, info.value, value);
    } else if (!info.value) {
      info.value = value;
    }
  }
  info.assigned = true;
  a.target->type = info.value;
}

const Type *ExprChecker::callAggregation(Expr &e, Call &n, const FunctionDescriptor &f) {
  // The value is computed per event; the other arguments (lhist bounds,
  // quantile q, predict horizon) are constants used in user space.
  for (size_t i = 0; i < n.args.size(); ++i) {
    bool saved = constantArgs_;
    constantArgs_ = saved || i > 0;
    visit(n.args[i]);
    constantArgs_ = saved;
  }
  if (n.args.size() < f.minArgs || n.args.size() > f.maxArgs) {
    unsigned want = n.args.size() < f.minArgs ? f.minArgs : f.maxArgs;
    ctx_.diags.report(DiagKind::wrong_arg_count, e.range,
                      {n.name, std::to_string(want), want == 1 ? "" : "s",
                       std::to_string(n.args.size()), n.args.size() == 1 ? "was" : "were"});
    return ctx_.types.aggregation(AggregationKind::Count, nullptr, {});
  }
  CallSite site{ctx_, e, n, {}, scope_.alert != nullptr, scope_.kinds};
  for (Expr *arg : n.args)
    site.args.push_back(arg->type);
  e.type = f.check(site);
  return e.type;
}

//===-- Calls -----------------------------------------------------------===//

void ExprChecker::visitCall(Expr &e, Call &n) {
  const FunctionDescriptor *f = findFunction(n.name);
  if (!f) {
    for (Expr *a : n.args)
      visit(a);
    ctx_.diags.report(DiagKind::unknown_function, n.nameRange, {n.name})
        .suggest(n.name, functionNames());
    e.type = ctx_.types.i64();
    return;
  }
  if (f->unsafe && !ctx_.options.unsafe)
    ctx_.diags.report(DiagKind::unsafe_function, n.nameRange, {n.name});
  bool windowReader = scope_.alert && f->kind == FunctionKind::WindowFunction &&
                      !n.args.empty() && n.args[0]->is<MapRef>();
  if (scope_.alert && f->kind == FunctionKind::WindowFunction && !windowReader) {
    for (Expr *a : n.args)
      visit(a);
    ctx_.diags.report(DiagKind::window_function_needs_map, e.range, {n.name});
    e.type = ctx_.types.floating({});
    return;
  }
  if ((f->kind == FunctionKind::Aggregation || f->kind == FunctionKind::WindowFunction) &&
      !windowReader) {
    ctx_.diags.report(DiagKind::aggregation_in_expr, n.nameRange, {n.name});
    e.type = ctx_.types.i64();
    return;
  }
  if (n.args.size() < f->minArgs || n.args.size() > f->maxArgs) {
    for (Expr *a : n.args)
      visit(a);
    unsigned want = n.args.size() < f->minArgs ? f->minArgs : f->maxArgs;
    std::string count = f->minArgs == f->maxArgs ? std::to_string(want)
                        : f->maxArgs == f->minArgs + 1
                            ? std::to_string(f->minArgs) + " or " + std::to_string(f->maxArgs)
                        : n.args.size() < f->minArgs ? "at least " + std::to_string(want)
                                                     : "at most " + std::to_string(want);
    ctx_.diags.report(DiagKind::wrong_arg_count, e.range,
                      {n.name, count, want == 1 ? "" : "s", std::to_string(n.args.size()),
                       n.args.size() == 1 ? "was" : "were"});
    e.type = f->kind == FunctionKind::Function ? ctx_.types.i64() : ctx_.types.voidType();
    return;
  }
  if (windowReader) {
    // r2(@m[$k]), predict(@m[$k], 1h) ... read the fit of a slope window.
    auto *m = n.args[0]->as<MapRef>();
    const Type *held = readMap(*n.args[0], *m);
    n.args[0]->type = held;
    for (size_t i = 1; i < n.args.size(); ++i)
      visit(n.args[i]);
    auto it = ctx_.maps.find(mapName(*m));
    const Type *v = it != ctx_.maps.end() ? it->second.value : nullptr;
    if (v && (v->kind != TypeKind::Aggregation || v->aggregation != AggregationKind::Slope)) {
      ctx_.diags.report(DiagKind::bad_arg_type, n.args[0]->range,
                        {"1", n.name, "a map of slope() over a window", v->str()});
    }
    Quantity q = v ? v->quantity : Quantity{};
    q.perSecond = false;
    e.type = n.name == "r2" ? ctx_.types.floating({}) : ctx_.types.floating(q);
    return;
  }
  CallSite site{ctx_, e, n, {}, scope_.alert != nullptr, scope_.kinds};
  for (size_t i = 0; i < n.args.size(); ++i) {
    Expr *a = n.args[i];
    if (i == 0 && f->kind == FunctionKind::MapOperation) {
      if (auto *m = a->as<MapRef>()) {
        auto it = ctx_.maps.find(mapName(*m));
        for (Expr *k : m->keys)
          visit(k);
        if (it == ctx_.maps.end()) {
          std::vector<std::string> names;
          for (auto &kv : ctx_.maps)
            names.push_back(kv.first);
          ctx_.diags.report(DiagKind::undefined_map, a->range, {mapName(*m)})
              .suggest(mapName(*m), names);
        } else {
          it->second.read = true;
          if (!m->keys.empty())
            checkKeys(*a, *m, false);
          a->type = it->second.value;
        }
        site.args.push_back(a->type);
        continue;
      }
    }
    if ((n.name == "kstack" || n.name == "ustack") && a->is<Identifier>()) {
      site.args.push_back(nullptr);
      continue;
    }
    visit(a);
    site.args.push_back(a->type);
  }
  // has_key(@m, k) and delete(@m, k): the key must fit the map's keys.
  if ((n.name == "has_key" || n.name == "delete") && n.args.size() == 2)
    if (auto *m = n.args[0]->as<MapRef>(); m && m->keys.empty()) {
      auto it = ctx_.maps.find(mapName(*m));
      const Type *k = canonicalKey(ctx_.types, n.args[1]->type);
      if (it != ctx_.maps.end() && it->second.assigned && k) {
        const auto &keys = it->second.keys;
        const Type *want = keys.size() == 1 ? keys[0] : keys.empty() ? nullptr : ctx_.types.tuple(keys);
        if (!want || !sameShape(want, k))
          ctx_.diags.report(DiagKind::map_key_mismatch, n.args[1]->range,
                            {mapName(*m), k->str(), want ? want->str() : "nothing (no key)"});
      }
    }
  e.type = f->check(site);
}

//===-- Operators -------------------------------------------------------===//

void ExprChecker::condition(Expr *cond) {
  visit(cond);
  const Type *t = cond ? cond->type : nullptr;
  if (t && !t->isNumeric() && !t->isPointer())
    ctx_.diags.report(DiagKind::type_mismatch, cond->range,
                      {"a condition must be a number or a pointer, but it is " + t->str()});
}

void ExprChecker::visitUnary(Expr &e, Unary &n) {
  bool step = n.op == UnaryOp::PreInc || n.op == UnaryOp::PreDec ||
              n.op == UnaryOp::PostInc || n.op == UnaryOp::PostDec;
  if (auto *m = n.operand->as<MapRef>(); m && step) {
    // @m[k]++ assigns the map: an integer counter.
    for (Expr *k : m->keys)
      visit(k);
    MapInfo &info = ctx_.maps[mapName(*m)];
    if (!info.assigned) {
      info.name = mapName(*m);
      info.firstUse = n.operand->range;
      info.keys = keyParts(ctx_.types, *m);
      info.value = ctx_.types.i64();
      info.assigned = true;
    } else {
      checkKeys(*n.operand, *m, true);
      if (info.value && !info.value->isInteger())
        ctx_.diags.report(DiagKind::map_value_mismatch, e.range,
                          {mapName(*m), "an integer", info.value->str()})
            .note(info.firstUse, "first assigned here");
    }
    n.operand->type = info.value;
    e.type = info.value;
    return;
  }
  visit(n.operand);
  const Type *t = n.operand->type;
  if (!t) {
    e.type = ctx_.types.i64();
    return;
  }
  switch (n.op) {
  case UnaryOp::Neg: case UnaryOp::BitNot:
    if (!t->isNumeric())
      ctx_.diags.report(DiagKind::type_mismatch, e.range,
                        {"cannot negate " + t->str()});
    e.type = t->isNumeric() ? (t->isInteger() ? ctx_.types.integer(t->bits, true, t->quantity) : t)
                            : ctx_.types.i64();
    return;
  case UnaryOp::Not:
    e.type = ctx_.types.i64();
    return;
  case UnaryOp::Deref:
    if (t->isPointer()) {
      e.type = t->pointee && t->pointee->kind != TypeKind::Void ? t->pointee : ctx_.types.u64();
    } else if (t->isInteger()) {
      e.type = ctx_.types.u64();
    } else {
      ctx_.diags.report(DiagKind::type_mismatch, e.range, {"cannot dereference " + t->str()});
      e.type = ctx_.types.u64();
    }
    return;
  case UnaryOp::AddrOf:
    e.type = ctx_.types.pointer(t);
    return;
  case UnaryOp::PreInc: case UnaryOp::PreDec: case UnaryOp::PostInc: case UnaryOp::PostDec:
    if (!n.operand->is<Variable>() && !n.operand->is<MapRef>())
      ctx_.diags.report(DiagKind::not_assignable, n.operand->range, {"this expression"});
    e.type = t;
    return;
  }
}

static const char *binaryOpSpelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add: return "+"; case BinaryOp::Sub: return "-";
  case BinaryOp::Mul: return "*"; case BinaryOp::Div: return "/";
  case BinaryOp::Mod: return "%"; case BinaryOp::Shl: return "<<";
  case BinaryOp::Shr: return ">>"; case BinaryOp::BitAnd: return "&";
  case BinaryOp::BitOr: return "|"; case BinaryOp::BitXor: return "^";
  case BinaryOp::Eq: return "=="; case BinaryOp::Ne: return "!=";
  case BinaryOp::Lt: return "<"; case BinaryOp::Le: return "<=";
  case BinaryOp::Gt: return ">"; case BinaryOp::Ge: return ">=";
  case BinaryOp::LogAnd: return "&&"; case BinaryOp::LogOr: return "||";
  }
  return "?";
}

void ExprChecker::visitBinary(Expr &e, Binary &n) {
  visit(n.lhs);
  visit(n.rhs);
  const Type *l = n.lhs->type, *r = n.rhs->type;
  TypeTable &T = ctx_.types;
  if (!l || !r) {
    e.type = T.i64();
    return;
  }
  bool compare = n.op == BinaryOp::Eq || n.op == BinaryOp::Ne || n.op == BinaryOp::Lt ||
                 n.op == BinaryOp::Le || n.op == BinaryOp::Gt || n.op == BinaryOp::Ge;
  if (n.op == BinaryOp::LogAnd || n.op == BinaryOp::LogOr) {
    for (const Type *t : {l, r})
      if (!t->isNumeric() && !t->isPointer())
        ctx_.diags.report(DiagKind::type_mismatch, (t == l ? n.lhs : n.rhs)->range,
                          {std::string("operands of '") + binaryOpSpelling(n.op) +
                           "' must be numbers or pointers, but this is " + t->str()});
    e.type = T.i64();
    return;
  }
  if (l->isString() || r->isString()) {
    if ((n.op == BinaryOp::Eq || n.op == BinaryOp::Ne) && l->isString() && r->isString()) {
      e.type = T.i64();
      return;
    }
    auto d = ctx_.diags.report(DiagKind::type_mismatch, e.range,
                               {std::string("cannot apply '") + binaryOpSpelling(n.op) +
                                "' to " + l->str() + " and " + r->str()});
    if (l->isString() && r->isString())
      d.hint("strings can only be compared with == and !=");
    e.type = T.i64();
    return;
  }
  bool lok = l->isNumeric() || l->isPointer(), rok = r->isNumeric() || r->isPointer();
  if (!lok || !rok) {
    ctx_.diags.report(DiagKind::type_mismatch, (lok ? n.rhs : n.lhs)->range,
                      {std::string("cannot apply '") + binaryOpSpelling(n.op) + "' to " +
                       (lok ? r : l)->str()});
    e.type = T.i64();
    return;
  }
  const char *verb = "combine";
  auto q = combineQuantities(n.op, l->quantity, r->quantity, verb);
  if (!q) {
    auto d = ctx_.diags.report(DiagKind::unit_mismatch, e.range,
                               {verb, l->quantity.describe(), r->quantity.describe()});
    d.note(n.lhs->range, "this is " + l->quantity.describe());
    d.note(n.rhs->range, "this is " + r->quantity.describe());
    std::string h = unitHint(l->quantity.base == Quantity::Plain ? r->quantity : l->quantity);
    if (!h.empty())
      d.hint(h);
    q = Quantity{};
  }
  if (compare) {
    e.type = T.i64();
  } else if (l->kind == TypeKind::Float || r->kind == TypeKind::Float) {
    e.type = T.floating(*q);
  } else if (l->isPointer() && (n.op == BinaryOp::Add || n.op == BinaryOp::Sub) && r->isInteger()) {
    e.type = l;
  } else {
    unsigned bits = std::max(l->isPointer() ? 64u : l->bits, r->isPointer() ? 64u : r->bits);
    bits = std::max(bits, 64u); // arithmetic is done at 64 bits, as in bpftrace
    // As in C at 64 bits: signed only when both operands are.
    e.type = T.integer(bits, l->isInteger() && l->isSigned && r->isInteger() && r->isSigned, *q);
  }
}

void ExprChecker::visitTernary(Expr &e, Ternary &n) {
  condition(n.cond);
  visit(n.then);
  visit(n.otherwise);
  const Type *a = n.then->type, *b = n.otherwise->type;
  if (!a || !b) {
    e.type = a ? a : b;
    return;
  }
  if (a->isInteger() && b->isInteger()) {
    e.type = unifyIntegers(ctx_.types, a, b);
  } else if (a->isString() && b->isString()) {
    e.type = a->size >= b->size ? a : b;
  } else if (a->isNumeric() && b->isNumeric()) {
    e.type = ctx_.types.floating(a->quantity);
  } else if (sameShape(a, b)) {
    e.type = a;
  } else {
    ctx_.diags.report(DiagKind::type_mismatch, e.range,
                      {"the branches of '?:' have different types: " + a->str() + " and " +
                       b->str()});
    e.type = a;
  }
}

//===-- Fields, indexes, casts ------------------------------------------===//

const Type *ExprChecker::argsType(Expr &e) {
  TypeTable &T = ctx_.types;
  const Type *found = nullptr;
  for (AttachPoint *ap : scope_.points) {
    for (const std::string &x : ap->expansions) {
      std::string err;
      const Type *t = nullptr;
      if (ap->kind == ProbeKind::Tracepoint) {
        size_t colon = x.find(':');
        t = ctx_.catalog.tracepointArgs(x.substr(0, colon),
                                        colon == std::string::npos ? "" : x.substr(colon + 1), err);
      } else if (ap->kind == ProbeKind::Fentry || ap->kind == ProbeKind::Fexit ||
                 ap->kind == ProbeKind::RawTracepoint) {
        auto sig = ap->kind == ProbeKind::RawTracepoint ? ctx_.catalog.rawTracepoint(x, err)
                                                        : ctx_.catalog.kernelFunction(x, err);
        if (sig) {
          std::string name = "args of " + std::string(probeKindName(ap->kind)) + ":" + x;
          if (const Type *r = T.record(name)) {
            t = r;
          } else {
            Type *rec = T.createRecord(name);
            uint32_t off = 0;
            for (const FunctionParam &p : sig->params) {
              rec->fields.push_back(Field{p.name, p.type ? p.type : T.u64(), off, 0, 0});
              off += 8;
            }
            rec->size = off;
            t = rec;
          }
        }
      }
      if (!t) {
        ctx_.diags.report(DiagKind::bad_probe_arg, e.range,
                          {"cannot read the arguments of " + std::string(probeKindName(ap->kind)) +
                           ":" + x + (err.empty() ? "" : ": " + err)});
        return T.u64();
      }
      if (!found)
        found = t;
    }
  }
  return found ? found : T.u64();
}

void ExprChecker::visitFieldAccess(Expr &e, FieldAccess &n) {
  visit(n.base);
  const Type *t = n.base->type;
  e.type = ctx_.types.u64();
  if (!t)
    return;
  if (t->kind == TypeKind::Tuple) {
    size_t idx = 0;
    bool digits = !n.field.empty();
    for (char c : n.field)
      digits = digits && c >= '0' && c <= '9';
    if (digits)
      idx = std::stoul(n.field.substr(0, 6));
    if (!digits || idx >= t->elements.size()) {
      ctx_.diags.report(DiagKind::unknown_field, n.fieldRange, {t->str(), n.field})
          .note("tuple elements are read by index: .0 to ." +
                std::to_string(t->elements.size() - 1));
      return;
    }
    e.type = t->elements[idx];
    return;
  }
  bool isArgs = n.base->is<Identifier>() && n.base->as<Identifier>()->name == "args";
  const Type *rec = t;
  if (t->isPointer() && t->pointee && t->pointee->isRecord()) {
    rec = t->pointee;
    if (!n.arrow)
      ctx_.diags.report(DiagKind::type_mismatch, n.fieldRange,
                        {"'" + t->str() + "' is a pointer; use '->' to reach its field '" +
                         n.field + "'"});
  } else if (t->isRecord() && n.arrow && !isArgs) {
    ctx_.diags.report(DiagKind::type_mismatch, n.fieldRange,
                      {"'" + t->str() + "' is not a pointer; use '.' to reach its field '" +
                       n.field + "'"});
  }
  if (!rec->isRecord()) {
    ctx_.diags.report(DiagKind::not_a_struct, n.fieldRange, {n.field, t->str()});
    return;
  }
  const Field *f = rec->field(n.field);
  if (!f) {
    std::vector<std::string> names;
    for (const Field &x : rec->recordFields())
      names.push_back(x.name);
    auto d = ctx_.diags.report(DiagKind::unknown_field, n.fieldRange, {rec->str(), n.field});
    d.suggest(n.field, names);
    if (names.size() <= 12 && !names.empty()) {
      std::string all;
      for (auto &x : names)
        all += (all.empty() ? "" : ", ") + x;
      d.note("its fields are: " + all);
    }
    return;
  }
  // With a wildcard, the field must exist in every matched tracepoint.
  if (isArgs) {
    for (AttachPoint *ap : scope_.points) {
      if (ap->kind != ProbeKind::Tracepoint || ap->expansions.size() < 2)
        continue;
      for (const std::string &x : ap->expansions) {
        std::string err;
        size_t colon = x.find(':');
        const Type *other = ctx_.catalog.tracepointArgs(x.substr(0, colon), x.substr(colon + 1), err);
        if (other && !other->field(n.field)) {
          ctx_.diags.report(DiagKind::unknown_field, n.fieldRange,
                            {"args of tracepoint:" + x, n.field})
              .note("'" + ap->text + "' matches " + std::to_string(ap->expansions.size()) +
                    " tracepoints; a field of args must exist in all of them");
          return;
        }
      }
    }
  }
  e.type = f->type ? f->type : ctx_.types.u64();
  // `__data_loc char[]` (a String of size 0 in the record) reads as a
  // bounded string; codegen decodes the location from the record's field.
  if (e.type->isString() && e.type->size == 0)
    e.type = ctx_.types.string(64);
}

void ExprChecker::visitIndex(Expr &e, Index &n) {
  visit(n.base);
  visit(n.index);
  const Type *t = n.base->type;
  e.type = ctx_.types.u64();
  if (n.index->type && !n.index->type->isInteger())
    ctx_.diags.report(DiagKind::type_mismatch, n.index->range,
                      {"an index must be an integer, but it is " + n.index->type->str()});
  if (!t)
    return;
  if (t->kind == TypeKind::Array || t->isPointer())
    e.type = t->pointee && t->pointee->kind != TypeKind::Void ? t->pointee : ctx_.types.u64();
  else if (t->isString())
    e.type = ctx_.types.integer(8, true);
  else
    ctx_.diags.report(DiagKind::type_mismatch, n.base->range,
                      {"cannot index " + t->str() + "; only pointers, arrays and strings"});
}

const Type *ExprChecker::resolveTypeName(const TypeName &tn) {
  const Type *t = builtinIntegerType(ctx_.types, tn.name);
  if (!t)
    t = ctx_.catalog.btfType(tn.name);
  if (!t) {
    std::string what = tn.name;
    auto d = ctx_.diags.report(DiagKind::unknown_type, tn.range, {what});
    if (what.rfind("struct ", 0) != 0 && what.rfind("union ", 0) != 0)
      d.suggest(what, {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"});
    else if (!ctx_.catalog.hasBtf())
      d.note("no kernel BTF is available: " + ctx_.catalog.btfError());
    return nullptr;
  }
  for (unsigned i = 0; i < tn.pointers; ++i)
    t = ctx_.types.pointer(t);
  return t;
}

void ExprChecker::visitCast(Expr &e, Cast &n) {
  visit(n.operand);
  const Type *t = resolveTypeName(n.type);
  if (!t) {
    e.type = ctx_.types.u64();
    return;
  }
  const Type *from = n.operand->type;
  if (t->isRecord() && n.type.pointers == 0) {
    ctx_.diags.report(DiagKind::type_mismatch, e.range,
                      {"cannot cast to " + t->str() + "; cast to a pointer: (" + t->str() + " *)"});
  } else if (from && !from->isNumeric() && !from->isPointer() && from->kind != TypeKind::Array) {
    ctx_.diags.report(DiagKind::type_mismatch, n.operand->range,
                      {"cannot cast " + from->str() + " to " + t->str()});
  }
  if (t->isInteger() && from && from->isInteger())
    t = ctx_.types.integer(t->bits, t->isSigned, from->quantity);
  e.type = t;
}

void ExprChecker::visitTuple(Expr &e, Tuple &n) {
  std::vector<const Type *> elems;
  for (Expr *x : n.elems) {
    visit(x);
    elems.push_back(x->type ? x->type : ctx_.types.i64());
    if (x->type && (x->type->kind == TypeKind::Void || x->type->kind == TypeKind::Aggregation))
      ctx_.diags.report(DiagKind::type_mismatch, x->range,
                        {"a tuple element must be a value, but this is " + x->type->str()});
  }
  e.type = ctx_.types.tuple(elems);
}

void ExprChecker::visitSizeof(Expr &e, Sizeof &n) {
  e.type = ctx_.types.u64();
  if (n.isType)
    resolveTypeName(n.type);
  else
    visit(n.operand);
}

//===-- Statements ------------------------------------------------------===//

void ExprChecker::visitAssign(Stmt &s, Assign &a) {
  if (auto *m = a.target->as<MapRef>()) {
    assignMap(s, a, *m);
    return;
  }
  auto *v = a.target->as<Variable>();
  if (!v) {
    visit(a.value);
    ctx_.diags.report(DiagKind::not_assignable, a.target->range, {"this expression"})
        .note("only maps (@m[k]) and scratch variables ($x) can be assigned");
    return;
  }
  if (a.window)
    ctx_.diags.report(DiagKind::window_on_non_aggregation, a.window->range,
                      {"the scratch variable $" + v->name})
        .hint("windows aggregate into maps: @m = count() over 1s");
  if (auto *c = a.value->as<Call>()) {
    const FunctionDescriptor *f = findFunction(c->name);
    if (f && (f->kind == FunctionKind::Aggregation || f->kind == FunctionKind::WindowFunction)) {
      ctx_.diags.report(DiagKind::aggregation_in_expr, c->nameRange, {c->name})
          .note("aggregations live in maps; a scratch variable holds one value");
      a.target->type = ctx_.types.i64();
      return;
    }
  }
  visit(a.value);
  const Type *t = a.value->type;
  if (t && t->kind == TypeKind::Void) {
    ctx_.diags.report(DiagKind::type_mismatch, a.value->range,
                      {"this expression has no value to assign"});
    t = ctx_.types.i64();
  }
  if (a.op != AssignOp::Set)
    scope_.readVars.insert(v->name);
  scope_.assignedAt.emplace(v->name, a.target->range);
  if (a.op == AssignOp::Set || scope_.vars.count(v->name))
    definite_.insert(v->name);
  auto it = scope_.vars.find(v->name);
  if (it == scope_.vars.end()) {
    if (a.op != AssignOp::Set)
      ctx_.diags.report(DiagKind::undefined_variable, a.target->range, {"$" + v->name});
    if (t)
      scope_.vars[v->name] = t;
  } else if (t) {
    if (!sameShape(it->second, t))
      ctx_.diags.report(DiagKind::type_mismatch, a.value->range,
                        {"variable '$" + v->name + "' holds " + it->second->str() +
                         ", but this assigns " + t->str()});
    else
      it->second = widen(ctx_.types, it->second, t);
  }
  a.target->type = scope_.vars.count(v->name) ? scope_.vars[v->name] : t;
}

void ExprChecker::visitExprStmt(Stmt &s, ExprStmt &n) { visit(n.expr); }
void ExprChecker::visitIf(Stmt &s, If &n) {
  condition(n.cond);
  std::set<std::string> before = definite_;
  visit(n.then);
  std::set<std::string> afterThen = std::move(definite_);
  definite_ = before;
  visit(n.otherwise);
  if (!n.otherwise) {
    definite_ = std::move(before);
    return;
  }
  // Assigned after the if: assigned on both branches.
  std::set<std::string> both;
  for (const std::string &v : afterThen)
    if (definite_.count(v))
      both.insert(v);
  definite_ = std::move(both);
}
void ExprChecker::visitWhile(Stmt &s, While &n) {
  condition(n.cond);
  std::set<std::string> before = definite_;
  visit(n.body); // may run zero times
  definite_ = std::move(before);
}
void ExprChecker::visitUnroll(Stmt &s, Unroll &n) {
  auto c = evaluateConstant(ctx_, n.count);
  if (!c || c->isString)
    ctx_.diags.report(DiagKind::not_constant, n.count->range, {"the count of unroll"});
  else if (c->value < 1 || c->value > 100)
    ctx_.diags.report(DiagKind::type_mismatch, n.count->range,
                      {"unroll count must be between 1 and 100"});
  visit(n.count);
  visit(n.body);
}

} // namespace obs
