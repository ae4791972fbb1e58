//===- alert_lowering.cpp - alert conditions compiled for the host --------===//

#include "codegen/host/alert_lowering.h"

#include "lang/sema/units.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <cstring>
#include <functional>

namespace obs {
namespace {

bool isComparison(BinaryOp op) {
  return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt || op == BinaryOp::Le ||
         op == BinaryOp::Gt || op == BinaryOp::Ge;
}

/// Calls f on e's direct subexpressions, left to right.
template <class F> void children(const Expr *e, F &&f) {
  if (auto *b = e->as<Binary>()) {
    f(b->lhs);
    f(b->rhs);
  } else if (auto *u = e->as<Unary>()) {
    f(u->operand);
  } else if (auto *c = e->as<Call>()) {
    for (const Expr *a : c->args)
      f(a);
  } else if (auto *m = e->as<MapRef>()) {
    for (const Expr *k : m->keys)
      f(k);
  } else if (auto *t = e->as<Ternary>()) {
    f(t->cond);
    f(t->then);
    f(t->otherwise);
  } else if (auto *c = e->as<Cast>()) {
    f(c->operand);
  }
}

void collect(const Expr *e, AlertPlan &plan) {
  if (!e)
    return;
  if (!plan.peakExpr)
    if (auto *b = e->as<Binary>(); b && isComparison(b->op)) {
      plan.peakExpr = b->lhs;
      plan.peakIsMin = b->op == BinaryOp::Lt || b->op == BinaryOp::Le;
    }
  if (auto *m = e->as<MapRef>()) {
    std::string n = mapKeyName(m->name);
    bool seen = false;
    for (const std::string &r : plan.mapsRead)
      seen |= r == n;
    if (!seen)
      plan.mapsRead.push_back(n);
  }
  children(e, [&](const Expr *c) { collect(c, plan); });
}

/// The binding of each key variable: a read of the primary map keyed by it.
void bindKeys(const Expr *e, const AlertPlan &plan, const contract::MapSpec &primary,
              std::map<std::string, KeyVariable> &out) {
  if (!e)
    return;
  if (auto *m = e->as<MapRef>(); m && mapKeyName(m->name) == plan.primary)
    for (size_t i = 0; i < m->keys.size() && i < primary.key.size(); ++i)
      if (auto *v = m->keys[i]->as<Variable>()) {
        std::string n = "$" + v->name;
        if (!out.count(n))
          out[n] = KeyVariable{n, primary.key[i], m->keys[i]->type};
      }
  children(e, [&](const Expr *c) { bindKeys(c, plan, primary, out); });
}

bool hasRuntimeParts(const Expr *e) {
  if (e->is<MapRef>() || e->is<Variable>())
    return true;
  bool any = false;
  children(e, [&](const Expr *c) { any = any || hasRuntimeParts(c); });
  return any;
}

/// A value while lowering: a number with a defined flag, or a condition.
struct Val {
  llvm::Value *num = nullptr; ///< double
  llvm::Value *def = nullptr; ///< i1
  llvm::Value *cond = nullptr; ///< i1, for comparisons and logic
};

class ConditionLowering {
public:
  ConditionLowering(llvm::Module &m, const AlertPlan &plan, SemaContext &sema,
                    const MapKeyLayout &layout, const MapEngineId &engineId, std::string &error)
      : M(m), B(m.getContext()), plan(plan), sema(sema), layout(layout), engineId(engineId),
        error(error) {}

  void beginFunction(const std::string &name, llvm::Type *ret) {
    auto *fty = llvm::FunctionType::get(ret, {B.getPtrTy()}, false);
    fn = llvm::Function::Create(fty, llvm::GlobalValue::ExternalLinkage, name, M);
    ctx = fn->getArg(0);
    entry = llvm::BasicBlock::Create(M.getContext(), "entry", fn);
    B.SetInsertPoint(entry);
    keyPtr = B.CreateLoad(B.getPtrTy(), B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), ctx, 8), "key");
  }

  bool run() {
    beginFunction(plan.function, B.getInt32Ty());
    B.CreateStore(llvm::ConstantFP::get(B.getDoubleTy(), 0.0),
                  B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), ctx, 16));
    Val v = lower(plan.alert->cond);
    if (!v.cond && !v.num)
      return false;
    llvm::Value *holds = v.cond ? v.cond : B.CreateAnd(v.def, B.CreateFCmpONE(v.num, zero()));
    B.CreateRet(B.CreateZExt(holds, B.getInt32Ty()));
    return error.empty();
  }

protected:
  llvm::Value *zero() { return llvm::ConstantFP::get(B.getDoubleTy(), 0.0); }
  Val constant(double d) { return {llvm::ConstantFP::get(B.getDoubleTy(), d), B.getTrue(), nullptr}; }
  Val fail(const Expr *e, const std::string &what) {
    if (error.empty())
      error = "alert '" + plan.alert->name + "': " + what + " is not evaluated by the host target yet";
    return {};
  }
  Val asNumber(Val v) {
    if (v.cond)
      return {B.CreateUIToFP(v.cond, B.getDoubleTy()), B.getTrue(), nullptr};
    return v;
  }
  llvm::Value *asCond(Val v) {
    if (v.cond)
      return v.cond;
    if (!v.num)
      return B.getFalse();
    return B.CreateAnd(v.def, B.CreateFCmpONE(v.num, zero()));
  }

  Val lower(const Expr *e) {
    if (!e)
      return fail(e, "an empty expression");
    if (!hasRuntimeParts(e)) {
      auto c = evaluateConstant(sema, e);
      if (c && !c->isString)
        return finishPeak(e, constant(c->value));
    }
    Val out;
    if (auto *b = e->as<Binary>())
      out = lowerBinary(*b);
    else if (auto *u = e->as<Unary>()) {
      Val x = lower(u->operand);
      if (u->op == UnaryOp::Not)
        out = {nullptr, nullptr, B.CreateNot(asCond(x))};
      else if (u->op == UnaryOp::Neg) {
        x = asNumber(x);
        out = {B.CreateFNeg(x.num), x.def, nullptr};
      } else
        return fail(e, "this unary operator");
    } else if (auto *m = e->as<MapRef>())
      out = windowRead(*m, WindowRead::Value, 0);
    else if (auto *c = e->as<Call>()) {
      auto *m = c->args.empty() ? nullptr : c->args[0]->as<MapRef>();
      if (m && c->name == "r2")
        out = windowRead(*m, WindowRead::R2, 0);
      else if (m && c->name == "predict" && c->args.size() == 2) {
        auto h = evaluateConstant(sema, c->args[1]);
        if (!h)
          return fail(e, "a horizon that is not constant");
        out = windowRead(*m, WindowRead::Predict, uint64_t(h->value < 0 ? 0 : h->value));
      } else
        return fail(e, "'" + c->name + "()'");
    } else if (auto *v = e->as<Variable>()) {
      const KeyVariable *kv = keyVar("$" + v->name);
      if (!kv || kv->field.kind == contract::KeyField::Kind::String)
        return fail(e, "variable $" + v->name);
      llvm::Value *raw = B.CreateLoad(B.getInt64Ty(), B.CreateConstInBoundsGEP1_64(
                                                          B.getInt8Ty(), keyPtr, kv->field.offset));
      llvm::Value *d = kv->field.kind == contract::KeyField::Kind::Int
                           ? B.CreateSIToFP(raw, B.getDoubleTy())
                           : B.CreateUIToFP(raw, B.getDoubleTy());
      out = {d, B.getTrue(), nullptr};
    } else
      return fail(e, "this expression");
    return finishPeak(e, out);
  }

  Val finishPeak(const Expr *e, Val v) {
    if (e == plan.peakExpr && v.num) {
      llvm::Value *p = B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), ctx, 16);
      B.CreateStore(B.CreateSelect(v.def, v.num, zero()), p);
    }
    return v;
  }

  Val lowerBinary(const Binary &b) {
    if (b.op == BinaryOp::LogAnd || b.op == BinaryOp::LogOr) {
      // Both sides are evaluated (they only read windows): no branches, and
      // the peak operand is always stored.
      llvm::Value *l = asCond(lower(b.lhs));
      llvm::Value *r = asCond(lower(b.rhs));
      return {nullptr, nullptr, b.op == BinaryOp::LogAnd ? B.CreateAnd(l, r) : B.CreateOr(l, r)};
    }
    Val l = asNumber(lower(b.lhs));
    Val r = asNumber(lower(b.rhs));
    if (!l.num || !r.num)
      return {};
    llvm::Value *def = B.CreateAnd(l.def, r.def);
    if (isComparison(b.op)) {
      llvm::CmpInst::Predicate p;
      switch (b.op) {
      case BinaryOp::Eq: p = llvm::CmpInst::FCMP_OEQ; break;
      case BinaryOp::Ne: p = llvm::CmpInst::FCMP_ONE; break;
      case BinaryOp::Lt: p = llvm::CmpInst::FCMP_OLT; break;
      case BinaryOp::Le: p = llvm::CmpInst::FCMP_OLE; break;
      case BinaryOp::Gt: p = llvm::CmpInst::FCMP_OGT; break;
      default: p = llvm::CmpInst::FCMP_OGE; break;
      }
      return {nullptr, nullptr, B.CreateAnd(def, B.CreateFCmp(p, l.num, r.num))};
    }
    llvm::Value *n = nullptr;
    switch (b.op) {
    case BinaryOp::Add: n = B.CreateFAdd(l.num, r.num); break;
    case BinaryOp::Sub: n = B.CreateFSub(l.num, r.num); break;
    case BinaryOp::Mul: n = B.CreateFMul(l.num, r.num); break;
    case BinaryOp::Div: {
      // x / 0 is 0, as everywhere in obs.
      llvm::Value *nz = B.CreateFCmpONE(r.num, zero());
      n = B.CreateSelect(nz, B.CreateFDiv(l.num, r.num), zero());
      break;
    }
    default:
      error = "alert '" + plan.alert->name + "': this operator is not evaluated on window values";
      return {};
    }
    return {n, def, nullptr};
  }

  const KeyVariable *keyVar(const std::string &n) {
    for (const KeyVariable &k : plan.keyVars)
      if (k.name == n)
        return &k;
    return nullptr;
  }

  Val windowRead(const MapRef &m, WindowRead what, uint64_t horizon) {
    std::string name = mapKeyName(m.name);
    int id = engineId(name);
    const contract::MapSpec *ms = layout(name);
    if (id < 0 || !ms) {
      error = "alert '" + plan.alert->name + "' reads map '" + name + "', which has no window";
      return {};
    }
    uint32_t keySize = ms->keySize >= 8 ? ms->keySize - 8 : 0;
    llvm::Value *key = llvm::ConstantPointerNull::get(B.getPtrTy());
    if (keySize) {
      llvm::IRBuilder<> eb(entry, entry->begin());
      auto *buf = eb.CreateAlloca(llvm::ArrayType::get(B.getInt8Ty(), keySize), nullptr, "wkey");
      buf->setAlignment(llvm::Align(8));
      B.CreateMemSet(buf, B.getInt8(0), keySize, llvm::MaybeAlign(8));
      for (size_t i = 0; i < m.keys.size() && i < ms->key.size(); ++i) {
        const contract::KeyField &f = ms->key[i];
        llvm::Value *dst = B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), buf, f.offset);
        const Expr *k = m.keys[i];
        if (auto *v = k->as<Variable>()) {
          const KeyVariable *kv = keyVar("$" + v->name);
          if (!kv) {
            error = "alert '" + plan.alert->name + "': $" + v->name + " is not a key variable";
            return {};
          }
          llvm::Value *src =
              B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), keyPtr, kv->field.offset);
          B.CreateMemCpy(dst, llvm::MaybeAlign(1), src, llvm::MaybeAlign(1),
                         std::min(kv->field.size, f.size));
        } else if (auto c = evaluateConstant(sema, k)) {
          if (c->isString) {
            std::string s = c->text.substr(0, f.size ? f.size - 1 : 0);
            for (size_t j = 0; j < s.size(); ++j)
              B.CreateStore(B.getInt8(uint8_t(s[j])),
                            B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), dst, j));
          } else {
            B.CreateStore(B.getInt64(uint64_t(int64_t(c->value))), dst);
          }
        } else {
          error = "alert '" + plan.alert->name + "': a map key must be a key variable or a constant";
          return {};
        }
      }
      key = buf;
    }
    llvm::IRBuilder<> eb(entry, entry->begin());
    auto *defSlot = eb.CreateAlloca(B.getInt8Ty(), nullptr, "defined");
    auto callee = M.getOrInsertFunction(
        "obs_host_window_read",
        llvm::FunctionType::get(B.getDoubleTy(),
                                {B.getPtrTy(), B.getInt32Ty(), B.getPtrTy(), B.getInt32Ty(),
                                 B.getInt64Ty(), B.getPtrTy()},
                                false));
    llvm::Value *v = B.CreateCall(callee, {ctx, B.getInt32(uint32_t(id)), key,
                                           B.getInt32(uint32_t(what)), B.getInt64(horizon), defSlot});
    llvm::Value *def = B.CreateICmpNE(B.CreateLoad(B.getInt8Ty(), defSlot), B.getInt8(0));
    return {v, def, nullptr};
  }

  llvm::Module &M;
  llvm::IRBuilder<> B;
  const AlertPlan &plan;
  SemaContext &sema;
  const MapKeyLayout &layout;
  const MapEngineId &engineId;
  std::string &error;
  llvm::Function *fn = nullptr;
  llvm::Value *ctx = nullptr, *keyPtr = nullptr;
  llvm::BasicBlock *entry = nullptr;
};


/// A typed value in a body: integers stay integers for %d, strings are
/// pointers, window values doubles with a defined flag.
struct TV {
  AlertBodyArg::Kind kind = AlertBodyArg::Int;
  llvm::Value *v = nullptr;
  llvm::Value *def = nullptr;
  Quantity q;
};

class BodyLowering : public ConditionLowering {
public:
  BodyLowering(llvm::Module &m, const AlertPlan &plan, SemaContext &sema,
               const MapKeyLayout &layout, const MapEngineId &engineId,
               std::vector<AlertBodyCall> &calls, std::string &error)
      : ConditionLowering(m, plan, sema, layout, engineId, error), calls(calls) {}

  bool runBody(const std::string &name) {
    beginFunction(name, B.getVoidTy());
    exemplar = B.CreateLoad(B.getPtrTy(), B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), ctx, 24),
                            "exemplar");
    block(plan.alert->body);
    if (!B.GetInsertBlock()->getTerminator())
      B.CreateRetVoid();
    if (!error.empty()) {
      fn->eraseFromParent();
      return false;
    }
    return true;
  }

private:
  void unsupported(const std::string &what) {
    if (error.empty())
      error = "alert '" + plan.alert->name + "': " + what + " in the body is not compiled";
  }

  void block(const Block *b) {
    if (b)
      for (const Stmt *s : b->stmts)
        stmt(s);
  }

  void stmt(const Stmt *s) {
    if (!s || !error.empty())
      return;
    if (auto *es = s->as<ExprStmt>()) {
      auto *c = es->expr ? es->expr->as<Call>() : nullptr;
      if (!c || (c->name != "summary" && c->name != "printf") || c->args.empty() ||
          !c->args[0]->is<StringLit>())
        return unsupported("this statement");
      emit(*c);
    } else if (auto *a = s->as<Assign>()) {
      auto *v = a->target ? a->target->as<Variable>() : nullptr;
      if (!v || a->op != AssignOp::Set || a->window)
        return unsupported("this assignment");
      TV x = value(a->value);
      if (!x.v)
        return;
      auto it = vars.find(v->name);
      if (it == vars.end()) {
        llvm::IRBuilder<> eb(entry, entry->begin());
        Slot sl;
        sl.tv = x;
        sl.v = eb.CreateAlloca(x.v->getType(), nullptr, "$" + v->name);
        sl.def = eb.CreateAlloca(B.getInt1Ty(), nullptr, "$" + v->name + ".def");
        it = vars.emplace(v->name, sl).first;
      } else if (it->second.tv.v->getType() != x.v->getType()) {
        return unsupported("a variable assigned values of two types");
      }
      B.CreateStore(x.v, it->second.v);
      B.CreateStore(x.def, it->second.def);
    } else if (auto *i = s->as<If>()) {
      llvm::Value *c = truth(value(i->cond));
      auto *then = llvm::BasicBlock::Create(M.getContext(), "then", fn);
      auto *other = llvm::BasicBlock::Create(M.getContext(), "else", fn);
      auto *done = llvm::BasicBlock::Create(M.getContext(), "endif", fn);
      B.CreateCondBr(c, then, other);
      B.SetInsertPoint(then);
      block(i->then);
      B.CreateBr(done);
      B.SetInsertPoint(other);
      stmt(i->otherwise);
      B.CreateBr(done);
      B.SetInsertPoint(done);
    } else if (auto *bs = s->as<BlockStmt>()) {
      block(bs->block);
    } else {
      unsupported("this statement");
    }
  }

  void emit(const Call &c) {
    uint32_t n = uint32_t(c.args.size() - 1);
    llvm::Type *argTy = llvm::StructType::get(B.getInt64Ty(), B.getInt32Ty(), B.getInt32Ty());
    llvm::IRBuilder<> eb(entry, entry->begin());
    llvm::Value *args =
        eb.CreateAlloca(llvm::ArrayType::get(argTy, std::max<uint32_t>(n, 1)), nullptr, "args");
    for (uint32_t i = 0; i < n; ++i) {
      TV x = value(c.args[i + 1]);
      if (!x.v)
        return;
      llvm::Value *bits = x.v;
      if (x.kind == AlertBodyArg::Float)
        bits = B.CreateBitCast(B.CreateSelect(x.def, x.v, zero()), B.getInt64Ty());
      else if (x.kind == AlertBodyArg::String)
        bits = B.CreatePtrToInt(x.v, B.getInt64Ty());
      llvm::Value *slot = B.CreateConstInBoundsGEP2_32(
          llvm::ArrayType::get(argTy, std::max<uint32_t>(n, 1)), args, 0, i);
      B.CreateStore(bits, B.CreateStructGEP(argTy, slot, 0));
      B.CreateStore(B.getInt32(x.kind), B.CreateStructGEP(argTy, slot, 1));
      B.CreateStore(B.getInt32(uint32_t(x.q.base) | uint32_t(x.q.perSecond) << 8),
                    B.CreateStructGEP(argTy, slot, 2));
    }
    uint32_t index = uint32_t(calls.size());
    calls.push_back({c.args[0]->as<StringLit>()->value, c.name == "summary"});
    auto callee = M.getOrInsertFunction(
        "obs_host_alert_emit",
        llvm::FunctionType::get(B.getVoidTy(),
                                {B.getPtrTy(), B.getInt32Ty(), B.getPtrTy(), B.getInt32Ty()},
                                false));
    B.CreateCall(callee, {ctx, B.getInt32(index), args, B.getInt32(n)});
  }

  llvm::Value *truth(TV x) {
    if (!x.v)
      return B.getFalse();
    llvm::Value *nz = x.kind == AlertBodyArg::Float ? B.CreateFCmpONE(x.v, zero())
                      : x.kind == AlertBodyArg::String ? B.getTrue()
                                                      : B.CreateICmpNE(x.v, B.getInt64(0));
    return B.CreateAnd(x.def, nz);
  }
  llvm::Value *toDouble(const TV &x) {
    if (x.kind == AlertBodyArg::Float)
      return x.v;
    if (x.kind == AlertBodyArg::Int)
      return B.CreateSIToFP(x.v, B.getDoubleTy());
    return B.CreateUIToFP(x.v, B.getDoubleTy());
  }
  TV integer(llvm::Value *v, bool isSigned = true, Quantity q = {}) {
    return {isSigned ? AlertBodyArg::Int : AlertBodyArg::Uint, v, B.getTrue(), q};
  }

  TV exemplarField(uint32_t off, uint32_t bytes) {
    llvm::Value *p = B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), exemplar, off);
    llvm::Value *v = B.CreateLoad(B.getIntNTy(bytes * 8), p);
    return integer(B.CreateZExt(v, B.getInt64Ty()), false);
  }

  TV value(const Expr *e) {
    if (!e) {
      unsupported("an empty expression");
      return {};
    }
    Quantity q = e->type ? e->type->quantity : Quantity{};
    if (auto *s = e->as<StringLit>())
      return {AlertBodyArg::String, B.CreateGlobalStringPtr(s->value), B.getTrue(), {}};
    if (auto *v = e->as<Variable>()) {
      auto it = vars.find(v->name);
      if (it != vars.end())
        return {it->second.tv.kind, B.CreateLoad(it->second.tv.v->getType(), it->second.v),
                B.CreateLoad(B.getInt1Ty(), it->second.def), it->second.tv.q};
      const KeyVariable *kv = keyVar("$" + v->name);
      if (!kv) {
        unsupported("$" + v->name);
        return {};
      }
      llvm::Value *p = B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), keyPtr, kv->field.offset);
      if (kv->field.kind == contract::KeyField::Kind::String)
        return {AlertBodyArg::String, p, B.getTrue(), {}};
      return integer(B.CreateLoad(B.getInt64Ty(), p),
                     kv->field.kind == contract::KeyField::Kind::Int, q);
    }
    if (auto *id = e->as<Identifier>()) {
      const std::string &n = id->name;
      // obs_exemplar: ts 0, cgroup 8, pid 16 tid 20 ppid 24 uid 28 gid 32 cpu 36, comm 64.
      if (n == "comm")
        return {AlertBodyArg::String, B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), exemplar, 64),
                B.getTrue(), {}};
      if (n == "nsecs") return exemplarField(0, 8);
      if (n == "cgroup") return exemplarField(8, 8);
      if (n == "pid") return exemplarField(16, 4);
      if (n == "tid") return exemplarField(20, 4);
      if (n == "ppid") return exemplarField(24, 4);
      if (n == "uid") return exemplarField(28, 4);
      if (n == "gid") return exemplarField(32, 4);
      if (n == "cpu") return exemplarField(36, 4);
    }
    if (!hasRuntimeParts(e)) {
      if (auto c = evaluateConstant(sema, e)) {
        if (c->isString)
          return {AlertBodyArg::String, B.CreateGlobalStringPtr(c->text), B.getTrue(), {}};
        if (e->type && e->type->kind == TypeKind::Float)
          return {AlertBodyArg::Float, llvm::ConstantFP::get(B.getDoubleTy(), c->value),
                  B.getTrue(), c->quantity};
        return integer(B.getInt64(uint64_t(int64_t(c->value))), true, c->quantity);
      }
    }
    if (e->is<MapRef>() || e->is<Call>()) {
      Val w = lower(e); // window reads, r2(), predict()
      if (!w.num)
        return {};
      Quantity wq = q;
      if (auto *c = e->as<Call>(); c && c->name == "r2")
        wq = {};
      return {AlertBodyArg::Float, w.num, w.def, wq};
    }
    if (auto *b = e->as<Binary>()) {
      TV l = value(b->lhs), r = value(b->rhs);
      if (!l.v || !r.v)
        return {};
      if (l.kind == AlertBodyArg::String || r.kind == AlertBodyArg::String) {
        unsupported("string operators");
        return {};
      }
      llvm::Value *def = B.CreateAnd(l.def, r.def);
      if (b->op == BinaryOp::LogAnd || b->op == BinaryOp::LogOr) {
        llvm::Value *x = b->op == BinaryOp::LogAnd ? B.CreateAnd(truth(l), truth(r))
                                                   : B.CreateOr(truth(l), truth(r));
        return integer(B.CreateZExt(x, B.getInt64Ty()));
      }
      if (isComparison(b->op)) {
        llvm::CmpInst::Predicate p;
        switch (b->op) {
        case BinaryOp::Eq: p = llvm::CmpInst::FCMP_OEQ; break;
        case BinaryOp::Ne: p = llvm::CmpInst::FCMP_ONE; break;
        case BinaryOp::Lt: p = llvm::CmpInst::FCMP_OLT; break;
        case BinaryOp::Le: p = llvm::CmpInst::FCMP_OLE; break;
        case BinaryOp::Gt: p = llvm::CmpInst::FCMP_OGT; break;
        default: p = llvm::CmpInst::FCMP_OGE; break;
        }
        llvm::Value *x = B.CreateAnd(def, B.CreateFCmp(p, toDouble(l), toDouble(r)));
        return integer(B.CreateZExt(x, B.getInt64Ty()));
      }
      bool ints = l.kind != AlertBodyArg::Float && r.kind != AlertBodyArg::Float;
      llvm::Value *v = nullptr;
      if (ints) {
        switch (b->op) {
        case BinaryOp::Add: v = B.CreateAdd(l.v, r.v); break;
        case BinaryOp::Sub: v = B.CreateSub(l.v, r.v); break;
        case BinaryOp::Mul: v = B.CreateMul(l.v, r.v); break;
        case BinaryOp::Div:
        case BinaryOp::Mod: {
          // x / 0 is 0; the divisor is made 1 first so nothing traps.
          llvm::Value *z = B.CreateICmpEQ(r.v, B.getInt64(0));
          llvm::Value *d = B.CreateSelect(z, B.getInt64(1), r.v);
          bool sgn = l.kind == AlertBodyArg::Int && r.kind == AlertBodyArg::Int;
          llvm::Value *q0 = b->op == BinaryOp::Div ? (sgn ? B.CreateSDiv(l.v, d) : B.CreateUDiv(l.v, d))
                                                   : (sgn ? B.CreateSRem(l.v, d) : B.CreateURem(l.v, d));
          v = B.CreateSelect(z, B.getInt64(0), q0);
          break;
        }
        default: unsupported("this operator"); return {};
        }
        return {l.kind == AlertBodyArg::Uint || r.kind == AlertBodyArg::Uint ? AlertBodyArg::Uint
                                                                          : AlertBodyArg::Int,
                v, def, q};
      }
      llvm::Value *a = toDouble(l), *c = toDouble(r);
      switch (b->op) {
      case BinaryOp::Add: v = B.CreateFAdd(a, c); break;
      case BinaryOp::Sub: v = B.CreateFSub(a, c); break;
      case BinaryOp::Mul: v = B.CreateFMul(a, c); break;
      case BinaryOp::Div:
        v = B.CreateSelect(B.CreateFCmpONE(c, zero()), B.CreateFDiv(a, c), zero());
        break;
      default: unsupported("this operator"); return {};
      }
      return {AlertBodyArg::Float, v, def, q};
    }
    if (auto *u = e->as<Unary>()) {
      TV x = value(u->operand);
      if (!x.v)
        return {};
      if (u->op == UnaryOp::Not)
        return integer(B.CreateZExt(B.CreateNot(truth(x)), B.getInt64Ty()));
      if (u->op == UnaryOp::Neg && x.kind == AlertBodyArg::Float)
        return {x.kind, B.CreateFNeg(x.v), x.def, x.q};
      if (u->op == UnaryOp::Neg && x.kind != AlertBodyArg::String)
        return {AlertBodyArg::Int, B.CreateNeg(x.v), x.def, x.q};
    }
    unsupported("this expression");
    return {};
  }

  struct Slot {
    TV tv;
    llvm::Value *v = nullptr, *def = nullptr;
  };
  std::vector<AlertBodyCall> &calls;
  std::map<std::string, Slot> vars;
  llvm::Value *exemplar = nullptr;
};

} // namespace

bool lowerAlertBody(llvm::Module &m, const AlertPlan &plan, const std::string &name,
                    SemaContext &sema, const MapKeyLayout &layout, const MapEngineId &engineId,
                    std::vector<AlertBodyCall> &calls, std::string &error) {
  std::vector<AlertBodyCall> made;
  BodyLowering l(m, plan, sema, layout, engineId, made, error);
  if (!l.runBody(name))
    return false;
  calls = std::move(made);
  return true;
}

bool planAlert(const Alert &alert, const AlertInfo &info, const MapKeyLayout &layout,
               SemaContext &sema, AlertPlan &plan, std::string &error) {
  plan.alert = &alert;
  plan.info = &info;
  plan.primary = info.map;
  collect(alert.cond, plan);
  if (plan.primary.empty() && !plan.mapsRead.empty())
    plan.primary = plan.mapsRead[0];
  // The primary map first.
  for (size_t i = 0; i < plan.mapsRead.size(); ++i)
    if (plan.mapsRead[i] == plan.primary && i != 0)
      std::swap(plan.mapsRead[0], plan.mapsRead[i]);
  const contract::MapSpec *primary = layout(plan.primary);
  if (!primary) {
    error = "alert '" + alert.name + "' reads no windowed map";
    return false;
  }
  std::map<std::string, KeyVariable> bound;
  bindKeys(alert.cond, plan, *primary, bound);
  // Constant key parts of the first read of the primary map.
  std::function<const MapRef *(const Expr *)> firstRead = [&](const Expr *e) -> const MapRef * {
    if (!e)
      return nullptr;
    if (auto *m = e->as<MapRef>(); m && mapKeyName(m->name) == plan.primary)
      return m;
    const MapRef *found = nullptr;
    children(e, [&](const Expr *c) {
      if (!found)
        found = firstRead(c);
    });
    return found;
  };
  if (const MapRef *m = firstRead(alert.cond))
    for (size_t i = 0; i < m->keys.size() && i < primary->key.size(); ++i) {
      if (m->keys[i]->is<Variable>())
        continue;
      auto c = evaluateConstant(sema, m->keys[i]);
      if (!c)
        continue;
      const contract::KeyField &f = primary->key[i];
      std::vector<uint8_t> bytes(f.size, 0);
      if (c->isString)
        std::memcpy(bytes.data(), c->text.data(), std::min<size_t>(c->text.size(), f.size ? f.size - 1 : 0));
      else {
        int64_t x = int64_t(c->value);
        std::memcpy(bytes.data(), &x, std::min<uint32_t>(8, f.size));
      }
      plan.primaryConstants.push_back({f.offset, std::move(bytes)});
    }
  for (const std::string &v : info.keyVariables) {
    auto it = bound.find(v);
    if (it == bound.end()) {
      error = "alert '" + alert.name + "': key variable " + v + " does not key map '" +
              plan.primary + "'";
      return false;
    }
    plan.keyVars.push_back(it->second);
  }
  return true;
}

bool lowerAlertCondition(llvm::Module &m, const AlertPlan &plan, SemaContext &sema,
                         const MapKeyLayout &layout, const MapEngineId &engineId,
                         std::string &error) {
  ConditionLowering l(m, plan, sema, layout, engineId, error);
  return l.run();
}

} // namespace obs
