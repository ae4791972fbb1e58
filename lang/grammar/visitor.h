//===- visitor.h - CRTP traversal of the syntax tree ----------------------===//
//
// Derive `class P : public Visitor<P>` and define only the hooks you need:
// `void visitCall(Expr &e, Call &c)`, `void visitAssign(Stmt &s, Assign &a)`,
// `void visitProbe(Probe &p)` ... Every hook defaults to visiting the node's
// children in source order; call `traverse(e, node)` from an override to keep
// that default descent.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/grammar/ast.h"

namespace obs {

template <class Derived> class Visitor {
  Derived &impl() { return static_cast<Derived &>(*this); }

public:
  //===-- Entry points -----------------------------------------------===//
  void visit(Program &p) { impl().visitProgram(p); }
  void visit(Expr *e) {
    if (e)
      std::visit([&](auto &n) { impl().dispatch(*e, n); }, e->node);
  }
  void visit(Stmt *s) {
    if (s)
      std::visit([&](auto &n) { impl().dispatch(*s, n); }, s->node);
  }
  void visit(Block *b) {
    if (b)
      impl().visitBlock(*b);
  }

  //===-- Top level hooks --------------------------------------------===//
  void visitProgram(Program &p) {
    for (Import *i : p.imports)
      impl().visitImport(*i);
    for (ParamDecl *d : p.params)
      impl().visitParamDecl(*d);
    for (Probe *pr : p.probes)
      impl().visitProbe(*pr);
    for (Alert *a : p.alerts)
      impl().visitAlert(*a);
  }
  void visitImport(Import &i) {
    for (ParamOverride &o : i.overrides)
      visit(o.value);
  }
  void visitParamDecl(ParamDecl &d) { visit(d.value); }
  void visitProbe(Probe &p) {
    for (AttachPoint *ap : p.points)
      impl().visitAttachPoint(*ap);
    visit(p.predicate);
    visit(p.body);
  }
  void visitAttachPoint(AttachPoint &) {}
  void visitAlert(Alert &a) {
    visit(a.cond);
    visit(a.forDuration);
    visit(a.cooldown);
    visit(a.body);
  }
  void visitBlock(Block &b) {
    for (Stmt *s : b.stmts)
      visit(s);
  }

  //===-- Expression hooks -------------------------------------------===//
#define OBS_EXPR_HOOK(T)                                                       \
  void visit##T(Expr &e, T &n) { traverse(e, n); }                            \
  void dispatch(Expr &e, T &n) { impl().visit##T(e, n); }
  OBS_EXPR_HOOK(IntegerLit)
  OBS_EXPR_HOOK(StringLit)
  OBS_EXPR_HOOK(QuantityLit)
  OBS_EXPR_HOOK(Identifier)
  OBS_EXPR_HOOK(PositionalParam)
  OBS_EXPR_HOOK(Variable)
  OBS_EXPR_HOOK(MapRef)
  OBS_EXPR_HOOK(Call)
  OBS_EXPR_HOOK(Unary)
  OBS_EXPR_HOOK(Binary)
  OBS_EXPR_HOOK(Ternary)
  OBS_EXPR_HOOK(FieldAccess)
  OBS_EXPR_HOOK(Index)
  OBS_EXPR_HOOK(Cast)
  OBS_EXPR_HOOK(Tuple)
  OBS_EXPR_HOOK(Sizeof)
#undef OBS_EXPR_HOOK

  //===-- Statement hooks --------------------------------------------===//
#define OBS_STMT_HOOK(T)                                                       \
  void visit##T(Stmt &s, T &n) { traverse(s, n); }                            \
  void dispatch(Stmt &s, T &n) { impl().visit##T(s, n); }
  OBS_STMT_HOOK(ExprStmt)
  OBS_STMT_HOOK(Assign)
  OBS_STMT_HOOK(If)
  OBS_STMT_HOOK(Unroll)
  OBS_STMT_HOOK(While)
  OBS_STMT_HOOK(Jump)
  OBS_STMT_HOOK(BlockStmt)
#undef OBS_STMT_HOOK

  //===-- Default descent --------------------------------------------===//
  void traverse(Expr &, IntegerLit &) {}
  void traverse(Expr &, StringLit &) {}
  void traverse(Expr &, QuantityLit &) {}
  void traverse(Expr &, Identifier &) {}
  void traverse(Expr &, PositionalParam &) {}
  void traverse(Expr &, Variable &) {}
  void traverse(Expr &, MapRef &n) {
    for (Expr *k : n.keys)
      visit(k);
  }
  void traverse(Expr &, Call &n) {
    for (Expr *a : n.args)
      visit(a);
  }
  void traverse(Expr &, Unary &n) { visit(n.operand); }
  void traverse(Expr &, Binary &n) {
    visit(n.lhs);
    visit(n.rhs);
  }
  void traverse(Expr &, Ternary &n) {
    visit(n.cond);
    visit(n.then);
    visit(n.otherwise);
  }
  void traverse(Expr &, FieldAccess &n) { visit(n.base); }
  void traverse(Expr &, Index &n) {
    visit(n.base);
    visit(n.index);
  }
  void traverse(Expr &, Cast &n) { visit(n.operand); }
  void traverse(Expr &, Tuple &n) {
    for (Expr *x : n.elems)
      visit(x);
  }
  void traverse(Expr &, Sizeof &n) { visit(n.operand); }

  void traverse(Stmt &, ExprStmt &n) { visit(n.expr); }
  void traverse(Stmt &, Assign &n) {
    visit(n.value);
    visit(n.target);
    if (n.window) {
      visit(n.window->over);
      visit(n.window->every);
    }
  }
  void traverse(Stmt &, If &n) {
    visit(n.cond);
    visit(n.then);
    visit(n.otherwise);
  }
  void traverse(Stmt &, Unroll &n) {
    visit(n.count);
    visit(n.body);
  }
  void traverse(Stmt &, While &n) {
    visit(n.cond);
    visit(n.body);
  }
  void traverse(Stmt &, Jump &) {}
  void traverse(Stmt &, BlockStmt &n) { visit(n.block); }
};

} // namespace obs
