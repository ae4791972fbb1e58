//===- checker.h - names and types of expressions and statements ----------===//
//
// ExprChecker walks one probe body or one alert, giving every Expr its
// type, resolving names (builtins, params, scratch variables, maps) and
// filling the MapTable. It is used by the names-and-types pass and by the
// alerts pass, which adds key binding.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/grammar/visitor.h"
#include "lang/sema/builtins.h"
#include "lang/sema/sema.h"

#include <map>
#include <set>

namespace obs {

/// What is in scope while checking one probe or alert.
struct Scope {
  std::vector<AttachPoint *> points; ///< empty in alerts
  ProbeMask kinds = 0;
  const Alert *alert = nullptr;
  bool alertCondition = false;       ///< free $vars bind map keys here
  std::map<std::string, const Type *> vars;
  std::set<std::string> keyVars;     ///< alert key bindings
  std::map<std::string, SourceRange> assignedAt; ///< first assignment of each $var
  std::set<std::string> readVars;    ///< $vars read at least once
  std::string where;                 ///< "tracepoint", "an alert", ...
};

class ExprChecker : public Visitor<ExprChecker> {
public:
  ExprChecker(SemaContext &ctx, Scope &scope) : ctx_(ctx), scope_(scope) {}

  const Type *check(Expr *e) {
    visit(e);
    return e ? e->type : nullptr;
  }

  void visitIntegerLit(Expr &e, IntegerLit &n);
  void visitStringLit(Expr &e, StringLit &n);
  void visitQuantityLit(Expr &e, QuantityLit &n);
  void visitIdentifier(Expr &e, Identifier &n);
  void visitPositionalParam(Expr &e, PositionalParam &n);
  void visitVariable(Expr &e, Variable &n);
  void visitMapRef(Expr &e, MapRef &n);
  void visitCall(Expr &e, Call &n);
  void visitUnary(Expr &e, Unary &n);
  void visitBinary(Expr &e, Binary &n);
  void visitTernary(Expr &e, Ternary &n);
  void visitFieldAccess(Expr &e, FieldAccess &n);
  void visitIndex(Expr &e, Index &n);
  void visitCast(Expr &e, Cast &n);
  void visitTuple(Expr &e, Tuple &n);
  void visitSizeof(Expr &e, Sizeof &n);

  void visitAssign(Stmt &s, Assign &n);
  void visitExprStmt(Stmt &s, ExprStmt &n);
  void visitIf(Stmt &s, If &n);
  void visitWhile(Stmt &s, While &n);
  void visitUnroll(Stmt &s, Unroll &n);
  void visitBlockStmt(Stmt &s, BlockStmt &n) { visit(n.block); }

  /// Resolves a written C type: builtin integers, BTF records, pointers.
  const Type *resolveTypeName(const TypeName &t);

private:
  const Type *argsType(Expr &e);
  const Type *mapKeyType(MapRef &n);
  void checkKeys(Expr &e, MapRef &n, bool defining);
  const Type *readMap(Expr &e, MapRef &n);
  void assignMap(Stmt &s, Assign &a, MapRef &m);
  const Type *callAggregation(Expr &e, Call &n, const FunctionDescriptor &f);
  bool available(const BuiltinVariable &v);
  void condition(Expr *cond);

  SemaContext &ctx_;
  Scope &scope_;
  /// Reports a float in kernel code (probe bodies compute with integers).
  void kernelFloat(Expr &e, const std::string &what);
  bool constantArgs_ = false; ///< visiting constant arguments (lhist, quantile q)
  /// $vars assigned on every path to the current point.
  std::set<std::string> definite_;
  const Type *usdtArgType(Expr &e, int index);
};

/// `int8` ... `uint64`, `u8` ... `s64`, `bool`: the builtin integer types.
const Type *builtinIntegerType(TypeTable &types, const std::string &name);

/// Makes the types of two integers agree: the wider width, signed if either.
const Type *unifyIntegers(TypeTable &types, const Type *a, const Type *b);

//===-- Shared by the checker's files -------------------------------------===//

/// "@name" of a map reference.
std::string mapName(const MapRef &m);
/// Map keys are stored at 64 bits: integers widened, pointers as uint64.
const Type *canonicalKey(TypeTable &types, const Type *t);
/// Same kind (and, for tuples, same parts): values of one map or variable.
bool sameShape(const Type *a, const Type *b);
/// The type that holds both (wider integers, longer strings).
const Type *widen(TypeTable &types, const Type *a, const Type *b);
/// The parts of a map key: `@m[a, b]` and `@m[(a, b)]` are the same key.
std::vector<const Type *> keyParts(TypeTable &types, const MapRef &n);

} // namespace obs
