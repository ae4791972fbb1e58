//===- checker.cpp - names and types: literals, names, statements ---------===//
//
// The ExprChecker is split by construct: this file has names (builtins,
// params, positional and scratch variables) and statements;
// checker_maps.cpp maps and calls; checker_ops.cpp operators, fields and
// casts. Helpers shared by the three are declared in checker.h.
//
//===----------------------------------------------------------------------===//
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


/// The parts of a map key: `@m[a, b]` and `@m[(a, b)]` are the same key.
std::vector<const Type *> keyParts(TypeTable &types, const MapRef &n) {
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

//===-- Literals and names ----------------------------------------------===//

void ExprChecker::visitIntegerLit(Expr &e, IntegerLit &n) {
  // int64 always, as in bpftrace: a literal above 2^63-1 keeps its bits
  // (0xffffffffffffffff is -1).
  (void)n;
  e.type = ctx_.types.integer(64, true);
}
void ExprChecker::visitStringLit(Expr &e, StringLit &n) {
  e.type = ctx_.types.string(static_cast<uint32_t>(n.value.size() + 1));
}
void ExprChecker::visitQuantityLit(Expr &e, QuantityLit &n) {
  Quantity q = Quantity::fromLiteral(n.unit);
  bool integral = isWholeInt64(n.value);
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
      else if (isWholeInt64(c->value) &&
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
  } else if (isWholeInt64(c->value) &&
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
