//===- alert_lowering.cpp - alert conditions compiled for the host --------===//

#include "codegen/host/alert_lowering.h"

#include "lang/sema/units.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

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

  bool run() {
    auto *fty = llvm::FunctionType::get(B.getInt32Ty(), {B.getPtrTy()}, false);
    fn = llvm::Function::Create(fty, llvm::GlobalValue::ExternalLinkage, plan.function, M);
    ctx = fn->getArg(0);
    entry = llvm::BasicBlock::Create(M.getContext(), "entry", fn);
    B.SetInsertPoint(entry);
    keyPtr = B.CreateLoad(B.getPtrTy(), B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), ctx, 8), "key");
    B.CreateStore(llvm::ConstantFP::get(B.getDoubleTy(), 0.0),
                  B.CreateConstInBoundsGEP1_64(B.getInt8Ty(), ctx, 16));
    Val v = lower(plan.alert->cond);
    if (!v.cond && !v.num)
      return false;
    llvm::Value *holds = v.cond ? v.cond : B.CreateAnd(v.def, B.CreateFCmpONE(v.num, zero()));
    B.CreateRet(B.CreateZExt(holds, B.getInt32Ty()));
    return error.empty();
  }

private:
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

} // namespace

bool planAlert(const Alert &alert, const AlertInfo &info, const MapKeyLayout &layout,
               AlertPlan &plan, std::string &error) {
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
