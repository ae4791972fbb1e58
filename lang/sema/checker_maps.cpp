//===- checker_maps.cpp - names and types: maps and calls -----------------===//
#include "lang/sema/checker.h"

#include "lang/sema/catalog/catalog.h"
#include "lang/sema/units.h"

#include <cctype>

namespace obs {

//===-- Maps ------------------------------------------------------------===//


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

} // namespace obs
