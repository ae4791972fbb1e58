//===- alerts.cpp - alert rules -------------------------------------------===//
//
// `alert NAME when COND [for D] [cooldown D] { ... }`. The condition reads
// windowed maps; a scratch variable used as a key there binds each key of
// the map (one alert instance per key) and is visible in the body. The body
// sees the exemplar's context builtins (comm, pid, ...) and summary().
//
//===----------------------------------------------------------------------===//
#include "lang/sema/passes.h"

#include "lang/sema/checker.h"
#include "lang/sema/units.h"

#include <cmath>
#include <set>

namespace obs {
namespace {

/// The maps read by an expression.
class MapReads : public Visitor<MapReads> {
public:
  void visitMapRef(Expr &e, MapRef &m) {
    reads.push_back(&e);
    traverse(e, m);
  }
  std::vector<Expr *> reads;
};

/// Whether a body uses kstack or ustack (a builtin or a call).
class StackUses : public Visitor<StackUses> {
public:
  void visitIdentifier(Expr &e, Identifier &id) {
    used |= id.name == "kstack" || id.name == "ustack";
    traverse(e, id);
  }
  void visitCall(Expr &e, Call &c) {
    used |= c.name == "kstack" || c.name == "ustack";
    traverse(e, c);
  }
  bool used = false;
};

bool isBoolean(const Expr *e) {
  if (auto *b = e->as<Binary>())
    switch (b->op) {
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le:
    case BinaryOp::Gt: case BinaryOp::Ge: case BinaryOp::LogAnd: case BinaryOp::LogOr:
      return true;
    default:
      return false;
    }
  if (auto *u = e->as<Unary>())
    return u->op == UnaryOp::Not;
  return false;
}

uint64_t durationOf(SemaContext &ctx, Expr *e, const char *what) {
  if (!e)
    return 0;
  auto c = evaluateConstant(ctx, e);
  if (!c) {
    ctx.diags.report(DiagKind::not_constant, e->range, {std::string("the duration after '") + what + "'"});
    return 0;
  }
  if (c->isString || c->quantity.base != Quantity::Duration || c->quantity.perSecond) {
    ctx.diags.report(DiagKind::unit_expected, e->range,
                     {std::string("the value after '") + what + "'", "a duration",
                      c->isString ? "a string" : c->quantity.describe()})
        .hint("a duration is written like 500ms, 10s or 5m");
    return 0;
  }
  return toUint64(c->value);
}

/// `@m[...] > C` and `>=` comparisons under && and ||: map -> threshold.
void collectThresholds(SemaContext &ctx, const Expr *e, std::map<std::string, double> &out) {
  auto *b = e ? e->as<Binary>() : nullptr;
  if (!b)
    return;
  if (b->op == BinaryOp::LogAnd || b->op == BinaryOp::LogOr) {
    collectThresholds(ctx, b->lhs, out);
    collectThresholds(ctx, b->rhs, out);
  } else if (b->op == BinaryOp::Gt || b->op == BinaryOp::Ge) {
    auto *m = b->lhs->as<MapRef>();
    auto c = m ? evaluateConstant(ctx, b->rhs) : std::nullopt;
    if (m && c && !c->isString)
      out.emplace(!m->name.empty() && m->name[0] == '@' ? m->name : "@" + m->name,
                  b->op == BinaryOp::Ge ? c->value - 1 : c->value);
  }
}

} // namespace

bool exemplarStacks(const std::vector<AlertInfo> &alerts, const MapInfo &map) {
  for (const AlertInfo &a : alerts)
    if (a.usesStacks && (a.map == map.name || a.thresholds.count(map.name)))
      return true;
  return false;
}

std::optional<int64_t> exemplarThreshold(const std::vector<AlertInfo> &alerts,
                                         const MapInfo &map) {
  const Type *v = map.value;
  if (!v || v->kind != TypeKind::Aggregation || !map.window.present())
    return std::nullopt;
  bool isRate = v->aggregation == AggregationKind::Rate && !v->valueType;
  if (v->aggregation != AggregationKind::Count && !isRate)
    return std::nullopt;
  for (const AlertInfo &a : alerts) {
    auto it = a.thresholds.find(map.name);
    if (it == a.thresholds.end())
      continue;
    double raw = it->second;
    if (isRate) // per second: times the window in seconds
      raw *= double(map.window.overNs) / 1e9;
    if (raw >= 0 && raw < 9e18)
      return int64_t(raw); // the count first exceeds t at event t + 1
    return std::nullopt;
  }
  return std::nullopt;
}

void checkAlerts(SemaContext &ctx) {
  std::map<std::string, const Alert *> seen;
  for (Alert *a : ctx.ast.program.alerts) {
    auto [it, fresh] = seen.emplace(a->name, a);
    if (!fresh)
      ctx.diags.report(DiagKind::duplicate_alert, a->nameRange, {a->name})
          .note(it->second->nameRange, "first declared here");

    AlertInfo info;
    info.name = a->name;
    Scope scope;
    scope.alert = a;
    scope.alertCondition = true;
    scope.where = "alert";
    ExprChecker checker(ctx, scope);
    checker.check(a->cond);
    // Every free variable of the condition must have bound a key.
    for (const std::string &v : scope.keyVars) {
      if (!scope.vars.count(v))
        ctx.diags.report(DiagKind::undefined_variable, a->cond->range, {"$" + v})
            .note("in an alert condition, a variable names each key of a map: @m[$" + v + "]");
      info.keyVariables.push_back("$" + v);
    }
    MapReads reads;
    reads.visit(a->cond);
    for (Expr *r : reads.reads) {
      auto *m = r->as<MapRef>();
      auto mi = ctx.maps.find("@" + m->name);
      if (mi == ctx.maps.end())
        continue;
      if (!mi->second.window.present())
        ctx.diags.report(DiagKind::alert_needs_window, r->range, {a->name, "@" + m->name})
            .hint("give the map a window: @" + m->name + "[...] = rate() over 1s");
      else if (info.map.empty())
        info.map = "@" + m->name;
    }
    if (reads.reads.empty())
      ctx.diags.report(DiagKind::alert_needs_window, a->cond->range, {a->name, "(none)"})
          .note("an alert condition must read a windowed map");
    if (a->cond->type && !isBoolean(a->cond))
      ctx.diags.report(DiagKind::alert_cond_not_bool, a->cond->range,
                       {a->name, a->cond->type->isNumeric()
                                     ? a->cond->type->quantity.describe()
                                     : a->cond->type->str()})
          .hint("compare it with a threshold, as in @m[$k] > 50/s");
    collectThresholds(ctx, a->cond, info.thresholds);
    info.forNs = durationOf(ctx, a->forDuration, "for");
    info.cooldownNs = durationOf(ctx, a->cooldown, "cooldown");

    scope.alertCondition = false;
    checker.visit(a->body);
    StackUses stacks;
    stacks.visit(a->body);
    info.usesStacks = stacks.used;
    ctx.alerts.push_back(info);
  }
}

} // namespace obs
