//===- expressions.cpp - lowering expressions -----------------------------===//
//
// Integers are computed in 64 bits; a value's type decides how it was
// extended and whether division, remainder, right shift and comparisons are
// signed. Division by zero gives 0 (as the BPF ISA does), spelled out so
// LLVM never sees undefined behaviour. Signed division is built from
// unsigned division: BPF before cpu v4 has no sdiv.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering.h"

namespace obs::cg {

static bool isSigned(const Type *t) {
  return !t || (t->kind == TypeKind::Integer && t->isSigned);
}

llvm::Value *Lowering::extend(llvm::Value *v, const Type *t) {
  if (!v->getType()->isIntegerTy())
    return v;
  unsigned bits = v->getType()->getIntegerBitWidth();
  if (bits == 64)
    return v;
  return isSigned(t) && t ? B.CreateSExt(v, B.getInt64Ty()) : B.CreateZExt(v, B.getInt64Ty());
}

llvm::Value *Lowering::truncateTo(llvm::Value *v, const Type *t) {
  if (!t || t->kind != TypeKind::Integer || t->bits >= 64 || t->bits == 0)
    return v;
  llvm::Value *n = B.CreateTrunc(v, B.getIntNTy(t->bits));
  return t->isSigned ? B.CreateSExt(n, B.getInt64Ty()) : B.CreateZExt(n, B.getInt64Ty());
}

llvm::Value *Lowering::divide(llvm::Value *l, llvm::Value *r, bool sgn, bool rem) {
  llvm::Value *zero = B.getInt64(0);
  llvm::Value *isZero = B.CreateICmpEQ(r, zero);
  llvm::Value *safe = B.CreateSelect(isZero, B.getInt64(1), r);
  llvm::Value *res;
  if (!sgn) {
    res = rem ? B.CreateURem(l, safe) : B.CreateUDiv(l, safe);
  } else {
    llvm::Value *ln = B.CreateICmpSLT(l, zero), *rn = B.CreateICmpSLT(safe, zero);
    llvm::Value *la = B.CreateSelect(ln, B.CreateNeg(l), l);
    llvm::Value *ra = B.CreateSelect(rn, B.CreateNeg(safe), safe);
    if (rem) {
      llvm::Value *q = B.CreateURem(la, ra); // sign follows the dividend, as in C
      res = B.CreateSelect(ln, B.CreateNeg(q), q);
    } else {
      llvm::Value *q = B.CreateUDiv(la, ra);
      res = B.CreateSelect(B.CreateXor(ln, rn), B.CreateNeg(q), q);
    }
  }
  return B.CreateSelect(isZero, zero, res);
}

llvm::Value *Lowering::lowerExpr(Expr *e) {
  if (!e)
    return nullptr;
  return std::visit(
      [&](auto &n) -> llvm::Value * {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, IntegerLit>)
          return B.getInt64(n.value);
        else if constexpr (std::is_same_v<T, QuantityLit>)
          return B.getInt64(uint64_t(int64_t(n.value)));
        else if constexpr (std::is_same_v<T, StringLit>)
          return lowerStringLit(*e, n);
        else if constexpr (std::is_same_v<T, Identifier>)
          return lowerIdentifier(*e, n);
        else if constexpr (std::is_same_v<T, PositionalParam>) {
          const std::vector<std::string> *pos = in.positional;
          size_t count = pos ? pos->size() : 0;
          if (n.count)
            return B.getInt64(count);
          std::string text = n.index >= 1 && n.index <= count ? (*pos)[n.index - 1] : "";
          if (e->type && e->type->kind == TypeKind::Integer)
            return B.getInt64(text.empty() ? 0 : uint64_t(std::strtoll(text.c_str(), nullptr, 0)));
          StringLit lit{text};
          return lowerStringLit(*e, lit);
        }
        else if constexpr (std::is_same_v<T, Variable>) {
          auto it = vars.find(n.name);
          if (it == vars.end()) {
            error(e->range, "variable '$" + n.name + "' is used before it is assigned");
            return nullptr;
          }
          if (isMemoryType(it->second.type))
            return it->second.ptr;
          return B.CreateLoad(B.getInt64Ty(), it->second.ptr, n.name);
        } else if constexpr (std::is_same_v<T, MapRef>)
          return lowerMapRead(*e, n);
        else if constexpr (std::is_same_v<T, Call>)
          return lowerCall(*e, n);
        else if constexpr (std::is_same_v<T, Unary>)
          return lowerUnary(*e, n);
        else if constexpr (std::is_same_v<T, Binary>)
          return lowerBinary(*e, n);
        else if constexpr (std::is_same_v<T, Ternary>)
          return lowerTernary(*e, n);
        else if constexpr (std::is_same_v<T, FieldAccess>)
          return lowerFieldAccess(*e, n);
        else if constexpr (std::is_same_v<T, Cast>)
          return lowerCast(*e, n);
        else if constexpr (std::is_same_v<T, Tuple>)
          return lowerTuple(*e, n);
        else if constexpr (std::is_same_v<T, Index>) {
          const Type *bt = n.base->type;
          if (!bt || bt->kind != TypeKind::Pointer || !e->type ||
              e->type->kind != TypeKind::Integer) {
            error(e->range, "indexing is lowered only for pointers to integers");
            return nullptr;
          }
          llvm::Value *base = lowerExpr(n.base);
          llvm::Value *idx = lowerExpr(n.index);
          if (!base || !idx)
            return nullptr;
          uint32_t sz = std::max(1u, e->type->bits / 8);
          llvm::Value *addr = B.CreateAdd(base, B.CreateMul(idx, B.getInt64(sz)));
          llvm::Value *tmp = allocI64("elem");
          B.CreateStore(B.getInt64(0), tmp);
          H.probeRead(B, tmp, sz, B.CreateIntToPtr(addr, B.getPtrTy()),
                      HelperTarget::Space::Kernel);
          return extend(B.CreateLoad(B.getIntNTy(sz * 8), tmp), e->type);
        } else if constexpr (std::is_same_v<T, Sizeof>) {
          const Type *t = n.isType ? nullptr : (n.operand ? n.operand->type : nullptr);
          if (n.isType) {
            if (n.type.pointers)
              return B.getInt64(8);
            static const std::pair<const char *, uint32_t> ints[] = {
                {"int8", 1}, {"uint8", 1}, {"int16", 2}, {"uint16", 2}, {"int32", 4},
                {"uint32", 4}, {"int64", 8}, {"uint64", 8}};
            for (const auto &[name, size] : ints)
              if (n.type.name == name)
                return B.getInt64(size);
            t = in.record ? in.record(n.type.name) : nullptr;
          }
          if (!t) {
            error(e->range, "cannot lower sizeof: unknown type");
            return nullptr;
          }
          uint32_t sz = t->kind == TypeKind::Integer ? t->bits / 8 : t->size ? t->size : 8;
          return B.getInt64(sz);
        } else {
          error(e->range, "this expression is not lowered yet");
          return nullptr;
        }
      },
      e->node);
}

llvm::Value *Lowering::lowerCond(Expr *e) {
  llvm::Value *v = lowerExpr(e);
  if (!v)
    return B.getFalse();
  if (v->getType()->isPointerTy()) {
    // A string is true when it is not empty.
    return B.CreateICmpNE(B.CreateLoad(B.getInt8Ty(), v), B.getInt8(0));
  }
  return B.CreateICmpNE(v, B.getInt64(0));
}

llvm::Value *Lowering::stringEquals(llvm::Value *a, uint32_t aSize, llvm::Value *b,
                                    uint32_t bSize) {
  // Byte by byte up to the first NUL, unrolled: equal when every byte up to
  // and including a NUL matches. Sizes are small (strings are bounded).
  uint32_t n = std::min(aSize, bSize);
  auto *done = llvm::BasicBlock::Create(C, "streq.done", fn);
  llvm::IRBuilder<> tmp(done);
  auto *phi = tmp.CreatePHI(B.getInt1Ty(), n + 1, "streq");
  for (uint32_t i = 0; i < n; ++i) {
    llvm::Value *ca = B.CreateLoad(B.getInt8Ty(), bytePtr(a, i));
    llvm::Value *cb = B.CreateLoad(B.getInt8Ty(), bytePtr(b, i));
    auto *same = llvm::BasicBlock::Create(C, "streq.same", fn);
    phi->addIncoming(B.getFalse(), B.GetInsertBlock());
    B.CreateCondBr(B.CreateICmpEQ(ca, cb), same, done);
    B.SetInsertPoint(same);
    auto *next = llvm::BasicBlock::Create(C, "streq.next", fn);
    phi->addIncoming(B.getTrue(), B.GetInsertBlock());
    B.CreateCondBr(B.CreateICmpEQ(ca, B.getInt8(0)), done, next);
    B.SetInsertPoint(next);
  }
  // All n bytes equal and none was NUL: equal if the longer one ends here.
  llvm::Value *tail = B.getTrue();
  if (aSize > n)
    tail = B.CreateICmpEQ(B.CreateLoad(B.getInt8Ty(), bytePtr(a, n)), B.getInt8(0));
  else if (bSize > n)
    tail = B.CreateICmpEQ(B.CreateLoad(B.getInt8Ty(), bytePtr(b, n)), B.getInt8(0));
  phi->addIncoming(tail, B.GetInsertBlock());
  B.CreateBr(done);
  B.SetInsertPoint(done);
  return phi;
}

static uint32_t strSize(const Expr *e) {
  // Fixed-layout values are copied whole (a NUL at their end would cut them).
  if (e->type && (e->type->kind == TypeKind::Buffer || e->type->kind == TypeKind::Timestamp ||
                  e->type->kind == TypeKind::Inet))
    return slotSize(e->type);
  if (e->type && e->type->size)
    return e->type->size;
  if (auto *s = e->as<StringLit>())
    return uint32_t(s->value.size() + 1);
  return 64;
}

llvm::Value *Lowering::lowerBinary(Expr &e, Binary &b) {
  if (b.op == BinaryOp::LogAnd || b.op == BinaryOp::LogOr) {
    llvm::Value *l = lowerCond(b.lhs);
    llvm::BasicBlock *from = B.GetInsertBlock();
    auto *rhs = llvm::BasicBlock::Create(C, "logic.rhs", fn);
    auto *done = llvm::BasicBlock::Create(C, "logic.done", fn);
    if (b.op == BinaryOp::LogAnd)
      B.CreateCondBr(l, rhs, done);
    else
      B.CreateCondBr(l, done, rhs);
    B.SetInsertPoint(rhs);
    llvm::Value *r = lowerCond(b.rhs);
    llvm::BasicBlock *rhsEnd = B.GetInsertBlock();
    B.CreateBr(done);
    B.SetInsertPoint(done);
    auto *phi = B.CreatePHI(B.getInt1Ty(), 2);
    phi->addIncoming(B.getInt1(b.op == BinaryOp::LogOr), from);
    phi->addIncoming(r, rhsEnd);
    return B.CreateZExt(phi, B.getInt64Ty());
  }
  llvm::Value *l = lowerExpr(b.lhs);
  llvm::Value *r = lowerExpr(b.rhs);
  if (!l || !r)
    return nullptr;
  bool lp = l->getType()->isPointerTy(), rp = r->getType()->isPointerTy();
  if (lp || rp) {
    if (lp && rp && (b.op == BinaryOp::Eq || b.op == BinaryOp::Ne)) {
      llvm::Value *eq = stringEquals(l, strSize(b.lhs), r, strSize(b.rhs));
      if (b.op == BinaryOp::Ne)
        eq = B.CreateNot(eq);
      return B.CreateZExt(eq, B.getInt64Ty());
    }
    error(e.range, "only == and != compare strings");
    return nullptr;
  }
  bool sgn = (e.type && e.type->kind == TypeKind::Integer) ? e.type->isSigned : true;
  bool cmpSigned = isSigned(b.lhs->type) || isSigned(b.rhs->type);
  auto cmp = [&](llvm::CmpInst::Predicate p) { return B.CreateZExt(B.CreateICmp(p, l, r), B.getInt64Ty()); };
  using P = llvm::CmpInst::Predicate;
  switch (b.op) {
  case BinaryOp::Add: return B.CreateAdd(l, r);
  case BinaryOp::Sub: return B.CreateSub(l, r);
  case BinaryOp::Mul: return B.CreateMul(l, r);
  case BinaryOp::Div: return divide(l, r, sgn, false);
  case BinaryOp::Mod: return divide(l, r, sgn, true);
  case BinaryOp::Shl: return B.CreateShl(l, B.CreateAnd(r, 63));
  case BinaryOp::Shr:
    return sgn ? B.CreateAShr(l, B.CreateAnd(r, 63)) : B.CreateLShr(l, B.CreateAnd(r, 63));
  case BinaryOp::BitAnd: return B.CreateAnd(l, r);
  case BinaryOp::BitOr: return B.CreateOr(l, r);
  case BinaryOp::BitXor: return B.CreateXor(l, r);
  case BinaryOp::Eq: return cmp(P::ICMP_EQ);
  case BinaryOp::Ne: return cmp(P::ICMP_NE);
  case BinaryOp::Lt: return cmp(cmpSigned ? P::ICMP_SLT : P::ICMP_ULT);
  case BinaryOp::Le: return cmp(cmpSigned ? P::ICMP_SLE : P::ICMP_ULE);
  case BinaryOp::Gt: return cmp(cmpSigned ? P::ICMP_SGT : P::ICMP_UGT);
  case BinaryOp::Ge: return cmp(cmpSigned ? P::ICMP_SGE : P::ICMP_UGE);
  default: break;
  }
  return nullptr;
}

llvm::Value *Lowering::lowerUnary(Expr &e, Unary &u) {
  switch (u.op) {
  case UnaryOp::PreInc:
  case UnaryOp::PreDec:
  case UnaryOp::PostInc:
  case UnaryOp::PostDec: {
    bool inc = u.op == UnaryOp::PreInc || u.op == UnaryOp::PostInc;
    bool post = u.op == UnaryOp::PostInc || u.op == UnaryOp::PostDec;
    if (auto *v = u.operand->as<Variable>()) {
      auto it = vars.find(v->name);
      if (it == vars.end() || isMemoryType(it->second.type)) {
        error(e.range, "'$" + v->name + "' is not an integer variable");
        return nullptr;
      }
      llvm::Value *old = B.CreateLoad(B.getInt64Ty(), it->second.ptr);
      llvm::Value *nv = inc ? B.CreateAdd(old, B.getInt64(1)) : B.CreateSub(old, B.getInt64(1));
      B.CreateStore(nv, it->second.ptr);
      return post ? old : nv;
    }
    if (auto *m = u.operand->as<MapRef>()) {
      // `@x++` as a statement: an in-place update; its value is not kept.
      IntegerLit one{1};
      Expr oneExpr{e.range, ExprNode(one), nullptr};
      Assign a{u.operand, inc ? AssignOp::Add : AssignOp::Sub, &oneExpr, nullptr};
      Stmt s{e.range, StmtNode(a)};
      lowerMapAssign(s, a, *m);
      return B.getInt64(0);
    }
    error(e.range, "++ and -- apply to variables and maps");
    return nullptr;
  }
  default:
    break;
  }
  llvm::Value *v = lowerExpr(u.operand);
  if (!v)
    return nullptr;
  switch (u.op) {
  case UnaryOp::Neg: return B.CreateNeg(v);
  case UnaryOp::Not:
    return B.CreateZExt(B.CreateICmpEQ(v, B.getInt64(0)), B.getInt64Ty());
  case UnaryOp::BitNot: return B.CreateNot(v);
  case UnaryOp::Deref: {
    const Type *t = e.type;
    uint32_t sz = t && t->kind == TypeKind::Integer ? std::max(1u, t->bits / 8) : 8;
    llvm::Value *tmp = allocI64("deref");
    B.CreateStore(B.getInt64(0), tmp);
    H.probeRead(B, tmp, sz, B.CreateIntToPtr(v, B.getPtrTy()), HelperTarget::Space::Kernel);
    return extend(B.CreateLoad(B.getIntNTy(sz * 8), tmp), t);
  }
  default:
    error(e.range, "this operator is not lowered yet");
    return nullptr;
  }
}

llvm::Value *Lowering::lowerTernary(Expr &e, Ternary &t) {
  llvm::Value *c = lowerCond(t.cond);
  auto *thenB = llvm::BasicBlock::Create(C, "tern.then", fn);
  auto *elseB = llvm::BasicBlock::Create(C, "tern.else", fn);
  auto *done = llvm::BasicBlock::Create(C, "tern.done", fn);
  bool mem = isMemoryType(e.type);
  llvm::Value *buf = mem ? allocMem(slotSize(e.type), "tern") : nullptr;
  B.CreateCondBr(c, thenB, elseB);
  llvm::Value *vals[2] = {};
  llvm::BasicBlock *ends[2] = {};
  Expr *arms[2] = {t.then, t.otherwise};
  llvm::BasicBlock *blocks[2] = {thenB, elseB};
  for (int i = 0; i < 2; ++i) {
    B.SetInsertPoint(blocks[i]);
    llvm::Value *v = lowerExpr(arms[i]);
    if (!v)
      return nullptr;
    if (mem)
      copyString(buf, slotSize(e.type), v, strSize(arms[i]));
    vals[i] = v;
    ends[i] = B.GetInsertBlock();
    B.CreateBr(done);
  }
  B.SetInsertPoint(done);
  if (mem)
    return buf;
  if (vals[0]->getType() != vals[1]->getType()) {
    error(e.range, "the arms of ?: have different kinds of values");
    return nullptr;
  }
  auto *phi = B.CreatePHI(vals[0]->getType(), 2);
  phi->addIncoming(vals[0], ends[0]);
  phi->addIncoming(vals[1], ends[1]);
  return phi;
}

static const Field *findField(const Type *rec, const std::string &name) {
  if (rec && rec->kind == TypeKind::Pointer)
    rec = rec->pointee;
  if (!rec || rec->kind != TypeKind::Record)
    return nullptr;
  return rec->field(name); // BTF records fill their fields lazily
}

llvm::Value *Lowering::fieldAddress(Expr *e) {
  FieldAccess *f = e ? e->as<FieldAccess>() : nullptr;
  if (!f)
    return nullptr;
  const Type *bt = f->base->type;
  const Field *field = findField(bt, f->field);
  if (!field)
    return nullptr;
  if (auto *id = f->base->as<Identifier>(); id && id->name == "args")
    return nullptr; // the context, not kernel memory
  llvm::Value *base = nullptr;
  if (bt && bt->kind == TypeKind::Pointer) {
    base = lowerExpr(f->base); // `p->x`: the pointer's value
    if (base && base->getType()->isPointerTy())
      return nullptr;
  } else {
    base = fieldAddress(f->base); // `p->a.x`: the address of `p->a`
  }
  if (!base)
    return nullptr;
  return B.CreateAdd(base, B.getInt64(field->offset));
}

llvm::Value *Lowering::lowerFieldAccess(Expr &e, FieldAccess &f) {
  const Type *bt = f.base->type;
  // Tuples: `$t.0`.
  if (bt && bt->kind == TypeKind::Tuple) {
    unsigned idx = 0;
    if (f.field.empty() || f.field.find_first_not_of("0123456789") != std::string::npos ||
        (idx = unsigned(std::stoul(f.field))) >= bt->elements.size()) {
      error(f.fieldRange, "tuple has no element '" + f.field + "'");
      return nullptr;
    }
    llvm::Value *base = lowerExpr(f.base);
    if (!base)
      return nullptr;
    uint32_t off = 0;
    for (unsigned i = 0; i < idx; ++i)
      off += slotSize(bt->elements[i]);
    llvm::Value *p = bytePtr(base, off);
    if (isMemoryType(bt->elements[idx]))
      return p;
    return B.CreateLoad(B.getInt64Ty(), p);
  }
  const Field *field = findField(bt, f.field);
  if (!field) {
    error(f.fieldRange, "cannot lower field '" + f.field + "'");
    return nullptr;
  }
  const Type *ft = field->type ? field->type : e.type;
  auto *id = f.base->as<Identifier>();
  if (field->bitSize)
    return lowerBitfield(e, f, *field, ft, id && id->name == "args");
  if (id && id->name == "args") {
    if (ft && ft->kind == TypeKind::String && ft->size == 0) {
      // `__data_loc char[]`: a u32 at the field holds (length << 16 | offset
      // of the bytes from the record start).
      uint32_t cap = e.type && e.type->size ? e.type->size : 64;
      auto *loc = B.CreateLoad(B.getInt32Ty(), bytePtr(ctx, field->offset));
      llvm::Value *off = B.CreateAnd(B.CreateZExt(loc, B.getInt64Ty()), B.getInt64(0xffff));
      llvm::Value *buf = allocMem(cap, "dataloc");
      zeroMem(buf, align8(cap));
      H.probeReadStr(B, buf, cap, B.CreateGEP(B.getInt8Ty(), ctx, off),
                     HelperTarget::Space::Kernel);
      return buf;
    }
    return loadCtxField(field->offset, e.type && isMemoryType(e.type) ? e.type : ft);
  }
  llvm::Value *addr = fieldAddress(&e);
  if (!addr) {
    error(f.fieldRange, "field access on this value is not lowered yet");
    return nullptr;
  }
  llvm::Value *src = B.CreateIntToPtr(addr, B.getPtrTy());
  const Type *rt = e.type ? e.type : ft;
  if (isMemoryType(rt)) {
    uint32_t n = rt->size ? rt->size : 8;
    llvm::Value *buf = allocMem(n, "field");
    zeroMem(buf, align8(n));
    if (rt->kind == TypeKind::String) {
      H.probeRead(B, buf, n, src, HelperTarget::Space::Kernel);
      B.CreateStore(B.getInt8(0), bytePtr(buf, n - 1));
    } else {
      H.probeRead(B, buf, n, src, HelperTarget::Space::Kernel);
    }
    return buf;
  }
  uint32_t sz = ft && ft->kind == TypeKind::Integer ? std::max(1u, ft->bits / 8) : 8;
  llvm::Value *tmp = allocI64("fld");
  B.CreateStore(B.getInt64(0), tmp);
  H.probeRead(B, tmp, sz, src, HelperTarget::Space::Kernel);
  return extend(B.CreateLoad(B.getIntNTy(sz * 8), tmp), ft);
}

llvm::Value *Lowering::lowerCast(Expr &e, Cast &c) {
  llvm::Value *v = lowerExpr(c.operand);
  if (!v || v->getType()->isPointerTy())
    return v;
  return truncateTo(v, e.type);
}

llvm::Value *Lowering::lowerTuple(Expr &e, Tuple &t) {
  std::vector<llvm::Value *> vals;
  for (Expr *el : t.elems) {
    vals.push_back(lowerExpr(el));
    if (!vals.back())
      return nullptr;
  }
  uint32_t size = slotSize(e.type);
  llvm::Value *buf = allocMem(size, "tuple");
  uint32_t off = 0;
  for (size_t i = 0; i < vals.size(); ++i) {
    const Type *et = t.elems[i]->type;
    uint32_t n = slotSize(et);
    if (vals[i]->getType()->isPointerTy()) {
      copyString(bytePtr(buf, off), n, vals[i], strSize(t.elems[i]));
    } else {
      B.CreateStore(vals[i], bytePtr(buf, off));
      if (n == 16) { // ustack, usym: the tgid their addresses belong to
        llvm::Value *tgid = B.CreateLShr(H.getCurrentPidTgid(B), 32);
        B.CreateStore(tgid, bytePtr(buf, off + 8));
        if (opts.notePids)
          notePid(tgid);
      }
    }
    off += n;
  }
  return buf;
}

llvm::Value *Lowering::lowerStringLit(Expr &e, StringLit &s) {
  uint32_t size = std::max<uint32_t>(strSize(&e), uint32_t(s.value.size() + 1));
  uint32_t n = align8(size);
  llvm::Value *buf = allocMem(n, "strlit");
  for (uint32_t off = 0; off < n; off += 8) {
    uint64_t word = 0;
    for (uint32_t i = 0; i < 8; ++i)
      if (off + i < s.value.size())
        word |= uint64_t(uint8_t(s.value[off + i])) << (8 * i);
    B.CreateStore(B.getInt64(word), bytePtr(buf, off));
  }
  return buf;
}

/// `p->flag` where flag is `unsigned x : N` at bit B of byte `offset`:
/// the bytes that hold it, shifted and masked (sign-extended when signed).
llvm::Value *Lowering::lowerBitfield(Expr &e, FieldAccess &f, const Field &field,
                                     const Type *ft, bool inContext) {
  uint32_t bytes = (field.bitOffset + field.bitSize + 7) / 8;
  if (bytes > 8 || field.bitSize >= 64) {
    error(f.fieldRange, "bitfield '" + f.field + "' spans more than 8 bytes");
    return nullptr;
  }
  llvm::Value *raw;
  if (inContext) {
    // The tracepoint record is the context: byte loads stay in its bounds.
    raw = B.getInt64(0);
    for (uint32_t i = 0; i < bytes; ++i) {
      llvm::Value *b = B.CreateZExt(B.CreateLoad(B.getInt8Ty(), bytePtr(ctx, field.offset + i)),
                                    B.getInt64Ty());
      raw = B.CreateOr(raw, B.CreateShl(b, 8 * i));
    }
  } else {
    llvm::Value *addr = fieldAddress(&e);
    if (!addr) {
      error(f.fieldRange, "field access on this value is not lowered yet");
      return nullptr;
    }
    llvm::Value *tmp = allocI64("bits");
    B.CreateStore(B.getInt64(0), tmp);
    H.probeRead(B, tmp, bytes, B.CreateIntToPtr(addr, B.getPtrTy()), HelperTarget::Space::Kernel);
    raw = B.CreateLoad(B.getInt64Ty(), tmp);
  }
  // Little-endian: bit B of the first byte is the field's lowest bit.
  unsigned top = 64 - field.bitSize;
  llvm::Value *v = B.CreateShl(raw, 64 - field.bitOffset - field.bitSize);
  bool isSigned = ft && ft->kind == TypeKind::Integer && ft->isSigned;
  return isSigned ? B.CreateAShr(v, top) : B.CreateLShr(v, top);
}

} // namespace obs::cg
