//===- statements.cpp - lowering statements -------------------------------===//
//
// Blocks, assignments to scratch variables and maps, if/else, unroll, and
// bounded while loops (the verifier proves their bound; cpu v3 and kernels
// from 5.3 accept bounded loops). `return` and exit() leave the program.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering.h"

namespace obs::cg {

void Lowering::lowerBlock(Block *b) {
  if (!b)
    return;
  for (Stmt *s : b->stmts) {
    if (B.GetInsertBlock()->getTerminator())
      B.SetInsertPoint(llvm::BasicBlock::Create(C, "dead", fn));
    lowerStmt(s);
  }
}

void Lowering::lowerStmt(Stmt *s) {
  setLocation(s->range);
  std::visit(
      [&](auto &n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, ExprStmt>)
          lowerExpr(n.expr);
        else if constexpr (std::is_same_v<T, Assign>)
          lowerAssign(*s, n);
        else if constexpr (std::is_same_v<T, If>)
          lowerIf(n);
        else if constexpr (std::is_same_v<T, BlockStmt>)
          lowerBlock(n.block);
        else if constexpr (std::is_same_v<T, Unroll>) {
          const IntegerLit *k = n.count ? n.count->template as<IntegerLit>() : nullptr;
          if (!k || k->value > 100) {
            error(s->range, "unroll needs a constant count of at most 100");
            return;
          }
          for (uint64_t i = 0; i < k->value; ++i)
            lowerBlock(n.body);
        } else if constexpr (std::is_same_v<T, While>)
          lowerWhile(n);
        else if constexpr (std::is_same_v<T, Jump>) {
          if (n.kind == JumpKind::Return) {
            B.CreateBr(exitBlock);
          } else if (loops.empty()) {
            error(s->range, "break and continue belong in a while loop");
          } else {
            B.CreateBr(n.kind == JumpKind::Continue ? loops.back().first : loops.back().second);
          }
        }
      },
      s->node);
}

void Lowering::lowerVarAssign(Stmt &s, Assign &a, Variable &v) {
  const Type *t = a.value ? a.value->type : nullptr;
  auto it = vars.find(v.name);
  llvm::Value *val = lowerExpr(a.value);
  if (!val)
    return;
  bool mem = val->getType()->isPointerTy();
  if (it == vars.end()) {
    VarSlot slot;
    slot.type = a.target->type ? a.target->type : t;
    if (mem && !isMemoryType(slot.type))
      slot.type = t;
    slot.ptr = mem ? allocMem(slotSize(slot.type), v.name.c_str()) : allocI64(v.name.c_str());
    it = vars.emplace(v.name, slot).first;
  }
  VarSlot &slot = it->second;
  if (mem != isMemoryType(slot.type)) {
    error(s.range, "'$" + v.name + "' changes between an integer and a string");
    return;
  }
  if (mem) {
    if (a.op != AssignOp::Set) {
      error(s.range, "only = assigns a string");
      return;
    }
    convertValue(slot.ptr, slot.type, val, t);
    return;
  }
  if (a.op == AssignOp::Set) {
    B.CreateStore(val, slot.ptr);
    return;
  }
  llvm::Value *old = B.CreateLoad(B.getInt64Ty(), slot.ptr);
  bool sgn = !slot.type || slot.type->kind != TypeKind::Integer || slot.type->isSigned;
  llvm::Value *nv = nullptr;
  switch (a.op) {
  case AssignOp::Add: nv = B.CreateAdd(old, val); break;
  case AssignOp::Sub: nv = B.CreateSub(old, val); break;
  case AssignOp::Mul: nv = B.CreateMul(old, val); break;
  case AssignOp::Div: nv = divide(old, val, sgn, false); break;
  case AssignOp::Mod: nv = divide(old, val, sgn, true); break;
  case AssignOp::Shl: nv = B.CreateShl(old, B.CreateAnd(val, 63)); break;
  case AssignOp::Shr:
    nv = sgn ? B.CreateAShr(old, B.CreateAnd(val, 63)) : B.CreateLShr(old, B.CreateAnd(val, 63));
    break;
  case AssignOp::BitAnd: nv = B.CreateAnd(old, val); break;
  case AssignOp::BitOr: nv = B.CreateOr(old, val); break;
  case AssignOp::BitXor: nv = B.CreateXor(old, val); break;
  case AssignOp::Set: nv = val; break;
  }
  B.CreateStore(nv, slot.ptr);
}

void Lowering::lowerAssign(Stmt &s, Assign &a) {
  if (auto *v = a.target->as<Variable>())
    return lowerVarAssign(s, a, *v);
  if (auto *m = a.target->as<MapRef>())
    return lowerMapAssign(s, a, *m);
  error(s.range, "cannot assign to this expression");
}

void Lowering::lowerIf(If &i) {
  llvm::Value *c = lowerCond(i.cond);
  auto *thenB = llvm::BasicBlock::Create(C, "if.then", fn);
  auto *elseB = i.otherwise ? llvm::BasicBlock::Create(C, "if.else", fn) : nullptr;
  auto *done = llvm::BasicBlock::Create(C, "if.end", fn);
  B.CreateCondBr(c, thenB, elseB ? elseB : done);
  B.SetInsertPoint(thenB);
  lowerBlock(i.then);
  if (!B.GetInsertBlock()->getTerminator())
    B.CreateBr(done);
  if (elseB) {
    B.SetInsertPoint(elseB);
    lowerStmt(i.otherwise);
    if (!B.GetInsertBlock()->getTerminator())
      B.CreateBr(done);
  }
  B.SetInsertPoint(done);
}

void Lowering::lowerWhile(While &w) {
  auto *head = llvm::BasicBlock::Create(C, "while.cond", fn);
  auto *body = llvm::BasicBlock::Create(C, "while.body", fn);
  auto *done = llvm::BasicBlock::Create(C, "while.end", fn);
  B.CreateBr(head);
  B.SetInsertPoint(head);
  B.CreateCondBr(lowerCond(w.cond), body, done);
  B.SetInsertPoint(body);
  loops.push_back({head, done});
  lowerBlock(w.body);
  loops.pop_back();
  if (!B.GetInsertBlock()->getTerminator())
    B.CreateBr(head);
  B.SetInsertPoint(done);
}

} // namespace obs::cg
