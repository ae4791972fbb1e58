//===- passes.cpp - the ordered list of semantic passes -------------------===//
//
// Order matters:
//  - imports first: modules add probes, alerts and params;
//  - params before anything reads an identifier that may name one;
//  - probes before types: `args` needs the expanded tracepoints;
//  - types before windows and alerts: both read MapInfo and Expr::type.
//
//===----------------------------------------------------------------------===//
#include "lang/sema/passes.h"

#include "lang/grammar/visitor.h"
#include "lang/sema/checker.h"

namespace obs {

const std::vector<SemaPass> &semaPasses() {
  static const std::vector<SemaPass> kPasses = {
      {"imports", resolveImports},
      {"params", collectParams},
      {"probes", resolveProbes},
      {"types", checkProbes},
      {"windows", checkWindows},
      {"alerts", checkAlerts},
  };
  return kPasses;
}

bool runSema(SemaContext &ctx) {
  for (const SemaPass &p : semaPasses()) {
    p.run(ctx);
    if (ctx.diags.hasErrors())
      return false;
  }
  return true;
}

namespace {
/// Declares every assigned map up front, so that reads in earlier probes
/// know the map exists.
class MapDeclarer : public Visitor<MapDeclarer> {
public:
  explicit MapDeclarer(SemaContext &ctx) : ctx_(ctx) {}
  void visitAssign(Stmt &s, Assign &a) {
    if (auto *m = a.target->as<MapRef>()) {
      MapInfo &info = ctx_.maps["@" + m->name];
      if (info.name.empty()) {
        info.name = "@" + m->name;
        info.firstUse = a.target->range;
      }
    }
    traverse(s, a);
  }
  void visitUnary(Expr &e, Unary &u) {
    if (u.op == UnaryOp::PostInc || u.op == UnaryOp::PreInc || u.op == UnaryOp::PostDec ||
        u.op == UnaryOp::PreDec)
      if (auto *m = u.operand->as<MapRef>()) {
        MapInfo &info = ctx_.maps["@" + m->name];
        if (info.name.empty()) {
          info.name = "@" + m->name;
          info.firstUse = u.operand->range;
        }
      }
    traverse(e, u);
  }

private:
  SemaContext &ctx_;
};
} // namespace

void checkProbes(SemaContext &ctx) {
  Program &prog = ctx.ast.program;
  MapDeclarer decl(ctx);
  for (Probe *p : prog.probes)
    decl.visitProbe(*p);
  for (Probe *p : prog.probes) {
    Scope scope;
    scope.points = p->points;
    for (AttachPoint *ap : p->points)
      scope.kinds |= probeBit(ap->kind);
    scope.where = p->points.empty() ? "these" : probeKindName(p->points[0]->kind);
    ExprChecker checker(ctx, scope);
    if (p->predicate) {
      checker.check(p->predicate);
      const Type *t = p->predicate->type;
      if (t && !t->isNumeric() && !t->isPointer())
        ctx.diags.report(DiagKind::type_mismatch, p->predicate->range,
                         {"a predicate must be a number or a pointer, but it is " + t->str()});
    }
    checker.visit(p->body);
    for (const auto &[name, at] : scope.assignedAt)
      if (!scope.readVars.count(name))
        ctx.diags.report(DiagKind::unused_variable, at, {"$" + name});
  }
  // ++ and -- on a map that is never assigned otherwise: an integer map.
  for (auto &[name, info] : ctx.maps)
    if (!info.value && !info.assigned) {
      info.value = ctx.types.i64();
      info.assigned = true;
    }
}

} // namespace obs
