//===- aggregations.cpp - updates of aggregations, windowed or not -------===//
//
// `@m[k] = count()` and friends: the keyless per-CPU array slot or the
// per-CPU hash entry updated in place (created from zeroes when missing);
// windowed aggregations write the partial of the current slot
// (runtime/window/partials.h) and, for maps an alert reads, an exemplar.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering.h"
#include "codegen/bpf_target.h"
#include "codegen/map_layout.h"

namespace obs::cg {

void Lowering::lowerAggregation(MapState &m, MapRef &ref, Call &call, SourceRange where) {
  using VK = contract::ValueKind;
  contract::MapSpec &ms = m.spec;
  // Arguments before the map operations.
  llvm::Value *x = nullptr;
  if (!call.args.empty()) {
    x = lowerExpr(call.args[0]);
    if (!x)
      return;
    if (x->getType()->isPointerTy()) {
      error(where, "'" + call.name + "' needs an integer argument");
      return;
    }
  }
  if ((ms.kind != VK::Count) && !x) {
    error(where, "'" + call.name + "' needs an argument");
    return;
  }
  int64_t lmin = 0, lmax = 0, lstep = 1;
  if (ms.kind == VK::Lhist) {
    if (call.args.size() != 4 || !constantInt(call.args[1], lmin) ||
        !constantInt(call.args[2], lmax) || !constantInt(call.args[3], lstep) || lstep <= 0 ||
        lmax <= lmin) {
      error(where, "lhist(value, min, max, step) needs constant min < max and step > 0");
      return;
    }
    uint64_t n = uint64_t(lmax - lmin) / uint64_t(lstep) + 2; // as obs_lhist_bucket
    if (n > 1000) {
      error(where, "lhist would need " + std::to_string(n) + " buckets; at most 1000 are allowed");
      return;
    }
    if (m.lhistKnown && (ms.lhistMin != lmin || ms.lhistMax != lmax || ms.lhistStep != lstep)) {
      error(where, "map '" + ms.name + "' uses different lhist bounds elsewhere");
      return;
    }
    m.lhistKnown = true;
    ms.lhistMin = lmin;
    ms.lhistMax = lmax;
    ms.lhistStep = lstep;
    ms.valueSize = uint32_t(8 * n) + (ms.windowed ? 40 : 0);
  }
  llvm::Value *key = buildKey(m, ref);
  if (!key)
    return;
  if (ms.windowed) {
    lowerWindowed(m, key, x, lmin, lmax, lstep);
    return;
  }
  if (m.combineGv) {
    lowerCombined(m, key, x);
    return;
  }
  auto *done = llvm::BasicBlock::Create(C, "agg.done", fn);
  llvm::Value *p = lookupOrInit(m, key, done);
  llvm::Type *i64 = B.getInt64Ty();
  auto addAt = [&](uint32_t off, llvm::Value *delta) {
    llvm::Value *q = bytePtr(p, off);
    B.CreateStore(B.CreateAdd(B.CreateLoad(i64, q), delta), q);
  };
  switch (ms.kind) {
  case VK::Count:
    addAt(0, B.getInt64(1));
    break;
  case VK::Sum:
    addAt(0, x);
    break;
  case VK::Min:
  case VK::Max: {
    llvm::Value *cur = B.CreateLoad(i64, p);
    llvm::Value *set = B.CreateLoad(i64, bytePtr(p, 8));
    llvm::Value *better = ms.kind == VK::Min ? B.CreateICmpSLT(x, cur) : B.CreateICmpSGT(x, cur);
    llvm::Value *take = B.CreateOr(B.CreateICmpEQ(set, B.getInt64(0)), better);
    B.CreateStore(B.CreateSelect(take, x, cur), p);
    B.CreateStore(B.getInt64(1), bytePtr(p, 8));
    break;
  }
  case VK::Avg:
  case VK::Stats:
    addAt(0, x);
    addAt(8, B.getInt64(1));
    break;
  case VK::Hist: {
    // Bucket: 0 for x < 0, 1 for 0, else 2 + floor(log2(x)), by binary search.
    llvm::Value *v = x;
    llvm::Value *n = B.getInt64(0);
    for (int s : {32, 16, 8, 4, 2, 1}) {
      llvm::Value *big = B.CreateICmpUGE(v, B.getInt64(uint64_t(1) << s));
      v = B.CreateSelect(big, B.CreateLShr(v, s), v);
      n = B.CreateSelect(big, B.CreateAdd(n, B.getInt64(s)), n);
    }
    llvm::Value *idx = B.CreateAdd(n, B.getInt64(2));
    idx = B.CreateSelect(B.CreateICmpEQ(x, B.getInt64(0)), B.getInt64(1), idx);
    idx = B.CreateSelect(B.CreateICmpSLT(x, B.getInt64(0)), B.getInt64(0), idx);
    idx = passthrough(idx);
    uint64_t last = contract::kHistBuckets - 1;
    idx = B.CreateSelect(B.CreateICmpUGT(idx, B.getInt64(last)), B.getInt64(last), idx);
    llvm::Value *q = B.CreateInBoundsGEP(i64, p, idx);
    B.CreateStore(B.CreateAdd(B.CreateLoad(i64, q), B.getInt64(1)), q);
    break;
  }
  case VK::Lhist: {
    uint64_t last = ms.valueSize / 8 - 1;
    llvm::Value *rel = B.CreateSub(x, B.getInt64(lmin));
    llvm::Value *mid = B.CreateAdd(B.CreateUDiv(rel, B.getInt64(lstep)), B.getInt64(1));
    llvm::Value *idx = B.CreateSelect(B.CreateICmpSGE(x, B.getInt64(lmax)), B.getInt64(last), mid);
    idx = B.CreateSelect(B.CreateICmpSLT(x, B.getInt64(lmin)), B.getInt64(0), idx);
    idx = passthrough(idx);
    idx = B.CreateSelect(B.CreateICmpUGT(idx, B.getInt64(last)), B.getInt64(last), idx);
    llvm::Value *q = B.CreateInBoundsGEP(i64, p, idx);
    B.CreateStore(B.CreateAdd(B.CreateLoad(i64, q), B.getInt64(1)), q);
    break;
  }
  default:
    error(where, "internal error: not an aggregation map");
    break;
  }
  B.CreateBr(done);
  B.SetInsertPoint(done);
}

void Lowering::lowerWindowed(MapState &m, llvm::Value *key, llvm::Value *x, int64_t lmin,
                             int64_t lmax, int64_t lstep) {
  using VK = contract::ValueKind;
  contract::MapSpec &ms = m.spec;
  llvm::Type *i64 = B.getInt64Ty();
  // Slot j of the event's kernel time, its seq j + 1 and index j % slots.
  llvm::Value *now = H.ktimeGetNs(B);
  llvm::Value *start = loadStartNs();
  llvm::Value *rel = B.CreateSelect(B.CreateICmpUGE(now, start), B.CreateSub(now, start),
                                    B.getInt64(0));
  llvm::Value *j = B.CreateUDiv(rel, B.getInt64(ms.everyNs));
  llvm::Value *seq = B.CreateAdd(j, B.getInt64(1));
  B.CreateStore(B.CreateURem(j, B.getInt64(ms.windowSlots)), bytePtr(key, ms.keySize - 8));

  auto *done = llvm::BasicBlock::Create(C, "win.done", fn);
  llvm::Value *p = lookupOrInit(m, key, done);
  llvm::Value *have = B.CreateLoad(i64, p, "seq");
  auto *fold = llvm::BasicBlock::Create(C, "win.fold", fn);
  auto *other = llvm::BasicBlock::Create(C, "win.other", fn);
  auto *reset = llvm::BasicBlock::Create(C, "win.reset", fn);
  auto *late = llvm::BasicBlock::Create(C, "win.late", fn);
  B.CreateCondBr(B.CreateICmpEQ(have, seq), fold, other);
  B.SetInsertPoint(other);
  B.CreateCondBr(B.CreateICmpUGT(have, seq), late, reset);
  // An older slot's partial: this slot reuses it, from zero.
  B.SetInsertPoint(reset);
  {
    // Overwrite this CPU's value in place with zeroes (large partials cannot
    // be cleared with inline stores), then claim the slot.
    updateWithZeroes(m.gv, key, kBpfExist, done, "win.zero");
    B.CreateStore(seq, p);
    B.CreateBr(fold);
  }
  // A newer slot already took the index: the event is late; count it.
  B.SetInsertPoint(late);
  {
    bumpCounter(contract::kLateMap, m.index);
    B.CreateBr(done);
  }
  B.SetInsertPoint(fold);
  if (m.exemplarGv)
    writeExemplar(m, key, now, seq);
  if (ms.kind == VK::Fit) {
    // obs_win_fit_add: t in whole µs from the slot start; 128-bit sums as
    // (lo, hi) words, products from 32-bit halves (no i128 on BPF).
    llvm::Value *tUs = B.CreateUDiv(B.CreateSub(rel, B.CreateMul(j, B.getInt64(ms.everyNs))),
                                    B.getInt64(1000));
    auto add128 = [&](uint32_t off, llvm::Value *lo, llvm::Value *hi) {
      llvm::Value *loP = bytePtr(p, off), *hiP = bytePtr(p, off + 8);
      llvm::Value *r = B.CreateAdd(B.CreateLoad(i64, loP), lo);
      llvm::Value *carry = B.CreateZExt(B.CreateICmpULT(r, lo), i64);
      B.CreateStore(B.CreateAdd(B.CreateAdd(B.CreateLoad(i64, hiP), hi), carry), hiP);
      B.CreateStore(r, loP);
    };
    auto addS64 = [&](uint32_t off, llvm::Value *v) {
      add128(off, v, B.CreateAShr(v, 63));
    };
    auto addMul = [&](uint32_t off, llvm::Value *a, llvm::Value *b) {
      llvm::Value *zero = B.getInt64(0), *mask = B.getInt64(0xffffffffULL);
      llvm::Value *an = B.CreateICmpSLT(a, zero), *bn = B.CreateICmpSLT(b, zero);
      llvm::Value *ua = B.CreateSelect(an, B.CreateSub(zero, a), a);
      llvm::Value *ub = B.CreateSelect(bn, B.CreateSub(zero, b), b);
      llvm::Value *a0 = B.CreateAnd(ua, mask), *a1 = B.CreateLShr(ua, 32);
      llvm::Value *b0 = B.CreateAnd(ub, mask), *b1 = B.CreateLShr(ub, 32);
      llvm::Value *p00 = B.CreateMul(a0, b0), *p01 = B.CreateMul(a0, b1);
      llvm::Value *p10 = B.CreateMul(a1, b0), *p11 = B.CreateMul(a1, b1);
      llvm::Value *mid = B.CreateAdd(B.CreateAdd(B.CreateLShr(p00, 32), B.CreateAnd(p01, mask)),
                                     B.CreateAnd(p10, mask));
      llvm::Value *lo = B.CreateOr(B.CreateAnd(p00, mask), B.CreateShl(mid, 32));
      llvm::Value *hi = B.CreateAdd(B.CreateAdd(p11, B.CreateLShr(p01, 32)),
                                    B.CreateAdd(B.CreateLShr(p10, 32), B.CreateLShr(mid, 32)));
      llvm::Value *neg = B.CreateXor(an, bn);
      llvm::Value *nlo = B.CreateAdd(B.CreateNot(lo), B.getInt64(1));
      llvm::Value *nhi = B.CreateAdd(B.CreateNot(hi),
                                     B.CreateZExt(B.CreateICmpEQ(nlo, zero), i64));
      add128(off, B.CreateSelect(neg, nlo, lo), B.CreateSelect(neg, nhi, hi));
    };
    llvm::Value *countP = bytePtr(p, 8);
    B.CreateStore(B.CreateAdd(B.CreateLoad(i64, countP), B.getInt64(1)), countP);
    addS64(16, tUs);      // st
    addS64(32, x);        // sv
    addMul(48, tUs, x);   // stv
    addMul(64, tUs, tUs); // stt
    addMul(80, x, x);     // svv
    B.CreateBr(done);
    B.SetInsertPoint(done);
    return;
  }
  // obs_win_scalar: {seq, count} sum min max; buckets follow at 40.
  llvm::Value *countP = bytePtr(p, 8);
  llvm::Value *count = B.CreateLoad(i64, countP);
  if (x) {
    llvm::Value *first = B.CreateICmpEQ(count, B.getInt64(0));
    llvm::Value *sumP = bytePtr(p, 16), *minP = bytePtr(p, 24), *maxP = bytePtr(p, 32);
    B.CreateStore(B.CreateAdd(B.CreateLoad(i64, sumP), x), sumP);
    llvm::Value *mn = B.CreateLoad(i64, minP), *mx = B.CreateLoad(i64, maxP);
    B.CreateStore(B.CreateSelect(B.CreateOr(first, B.CreateICmpSLT(x, mn)), x, mn), minP);
    B.CreateStore(B.CreateSelect(B.CreateOr(first, B.CreateICmpSGT(x, mx)), x, mx), maxP);
  }
  B.CreateStore(B.CreateAdd(count, B.getInt64(1)), countP);
  if (x && (ms.kind == VK::Hist || ms.kind == VK::Lhist || ms.kind == VK::Quantile)) {
    uint64_t last = (ms.valueSize - 40) / 8 - 1;
    llvm::Value *idx;
    if (ms.kind == VK::Quantile) {
      // obs_quantile_bucket: magnitude m < 32 -> m; else 32 + (k-5)*16 +
      // the 4 bits below the top bit k; negatives mirror below 976.
      llvm::Value *zero = B.getInt64(0);
      llvm::Value *negv = B.CreateICmpSLT(x, zero);
      llvm::Value *mag = B.CreateSelect(negv, B.CreateSub(zero, x), x);
      llvm::Value *v = mag, *k = B.getInt64(0);
      for (int sh : {32, 16, 8, 4, 2, 1}) {
        llvm::Value *big = B.CreateICmpUGE(v, B.getInt64(uint64_t(1) << sh));
        v = B.CreateSelect(big, B.CreateLShr(v, sh), v);
        k = B.CreateSelect(big, B.CreateAdd(k, B.getInt64(sh)), k);
      }
      llvm::Value *kk = B.CreateSelect(B.CreateICmpULT(k, B.getInt64(4)), B.getInt64(4), k);
      llvm::Value *sub = B.CreateAnd(B.CreateLShr(mag, B.CreateSub(kk, B.getInt64(4))),
                                     B.getInt64(15));
      llvm::Value *big = B.CreateAdd(B.CreateAdd(B.getInt64(32),
                                                 B.CreateMul(B.CreateSub(k, B.getInt64(5)),
                                                             B.getInt64(16))),
                                     sub);
      llvm::Value *mb = B.CreateSelect(B.CreateICmpULT(mag, B.getInt64(32)), mag, big);
      idx = B.CreateSelect(negv, B.CreateSub(B.getInt64(kQuantileMagBuckets), mb),
                           B.CreateAdd(B.getInt64(kQuantileMagBuckets), mb));
    } else if (ms.kind == VK::Hist) {
      llvm::Value *v = x, *n = B.getInt64(0);
      for (int sh : {32, 16, 8, 4, 2, 1}) {
        llvm::Value *big = B.CreateICmpUGE(v, B.getInt64(uint64_t(1) << sh));
        v = B.CreateSelect(big, B.CreateLShr(v, sh), v);
        n = B.CreateSelect(big, B.CreateAdd(n, B.getInt64(sh)), n);
      }
      idx = B.CreateAdd(n, B.getInt64(2));
      idx = B.CreateSelect(B.CreateICmpEQ(x, B.getInt64(0)), B.getInt64(1), idx);
      idx = B.CreateSelect(B.CreateICmpSLT(x, B.getInt64(0)), B.getInt64(0), idx);
    } else {
      llvm::Value *mid = B.CreateAdd(B.CreateUDiv(B.CreateSub(x, B.getInt64(lmin)),
                                                  B.getInt64(lstep)),
                                     B.getInt64(1));
      idx = B.CreateSelect(B.CreateICmpSGE(x, B.getInt64(lmax)), B.getInt64(last), mid);
      idx = B.CreateSelect(B.CreateICmpSLT(x, B.getInt64(lmin)), B.getInt64(0), idx);
    }
    idx = passthrough(idx);
    idx = B.CreateSelect(B.CreateICmpUGT(idx, B.getInt64(last)), B.getInt64(last), idx);
    llvm::Value *q = B.CreateInBoundsGEP(i64, bytePtr(p, 40), idx);
    B.CreateStore(B.CreateAdd(B.CreateLoad(i64, q), B.getInt64(1)), q);
  }
  B.CreateBr(done);
  B.SetInsertPoint(done);
}

void Lowering::writeExemplar(MapState &m, llvm::Value *key, llvm::Value *now, llvm::Value *seq) {
  // struct obs_exemplar_slot (partials.h): obs_exemplar { ts cgroup | pid
  // tid ppid uid gid cpu crossed reserved | kstack_id ustack_id | comm[16] }
  // then seq, running. One entry per key and slot, shared by the CPUs.
  llvm::Type *i64 = B.getInt64Ty();
  auto *done = llvm::BasicBlock::Create(C, "ex.done", fn);
  llvm::Value *ex = H.mapLookup(B, m.exemplarGv, key);
  llvm::BasicBlock *from = B.GetInsertBlock();
  auto *create = llvm::BasicBlock::Create(C, "ex.create", fn);
  auto *have = llvm::BasicBlock::Create(C, "ex.have", fn);
  B.CreateCondBr(B.CreateIsNotNull(ex), have, create);
  B.SetInsertPoint(create);
  {
    updateWithZeroes(m.exemplarGv, key, kBpfNoExist, done, "ex.insert");
  }
  llvm::Value *ex2 = H.mapLookup(B, m.exemplarGv, key);
  llvm::BasicBlock *createEnd = B.GetInsertBlock();
  B.CreateCondBr(B.CreateIsNotNull(ex2), have, done);
  B.SetInsertPoint(have);
  auto *e = B.CreatePHI(B.getPtrTy(), 2, "ex");
  e->addIncoming(ex, from);
  e->addIncoming(ex2, createEnd);
  // An entry of an older slot: reset it for this one (a race between two
  // CPUs here loses at most the first events' share of `running`).
  auto *reset = llvm::BasicBlock::Create(C, "ex.reset", fn);
  auto *current = llvm::BasicBlock::Create(C, "ex.current", fn);
  B.CreateCondBr(B.CreateICmpEQ(B.CreateLoad(i64, bytePtr(e, 80)), seq), current, reset);
  B.SetInsertPoint(reset);
  B.CreateStore(seq, bytePtr(e, 80));
  B.CreateStore(B.getInt64(0), bytePtr(e, 88));
  B.CreateStore(B.getInt32(0), bytePtr(e, 40));
  B.CreateBr(current);
  B.SetInsertPoint(current);
  llvm::Value *crossed = B.getInt32(0);
  int64_t threshold = m.spec.exemplarThreshold;
  if (threshold >= 0) {
    // Frozen once crossed; else count this event in `running`, atomically
    // where the ISA has fetch-and-add (v3), and see whether it crosses.
    auto *open = llvm::BasicBlock::Create(C, "ex.open", fn);
    B.CreateCondBr(B.CreateICmpNE(B.CreateLoad(B.getInt32Ty(), bytePtr(e, 40)), B.getInt32(0)),
                   done, open);
    B.SetInsertPoint(open);
    llvm::Value *before;
    std::string cpu = opts.cpu.empty() ? hostBpfCpu() : opts.cpu;
    if (cpu >= "v3") {
      before = B.CreateAtomicRMW(llvm::AtomicRMWInst::Add, bytePtr(e, 88), B.getInt64(1),
                                 llvm::MaybeAlign(8), llvm::AtomicOrdering::Monotonic);
    } else {
      before = B.CreateLoad(i64, bytePtr(e, 88));
      B.CreateStore(B.CreateAdd(before, B.getInt64(1)), bytePtr(e, 88));
    }
    auto *write = llvm::BasicBlock::Create(C, "ex.write", fn);
    // Past the threshold: another CPU's event crossed it and is writing.
    B.CreateCondBr(B.CreateICmpUGT(before, B.getInt64(uint64_t(threshold))), done, write);
    B.SetInsertPoint(write);
    crossed = B.CreateZExt(B.CreateICmpEQ(before, B.getInt64(uint64_t(threshold))),
                           B.getInt32Ty());
  }
  B.CreateStore(now, e);
  B.CreateStore(H.getCurrentCgroupId(B), bytePtr(e, 8));
  llvm::Value *pidTgid = H.getCurrentPidTgid(B);
  auto st32 = [&](uint32_t off, llvm::Value *v) {
    B.CreateStore(B.CreateTrunc(v, B.getInt32Ty()), bytePtr(e, off));
  };
  st32(16, B.CreateLShr(pidTgid, 32));
  st32(20, pidTgid);
  llvm::Value *ppid = B.getInt64(0);
  if (in.record && in.record("struct task_struct")) {
    Identifier id{"ppid"};
    Expr dummy{SourceRange{}, ExprNode(id), nullptr};
    ppid = lowerIdentifier(dummy, id);
  }
  st32(24, ppid);
  llvm::Value *uidGid = H.getCurrentUidGid(B);
  st32(28, uidGid);
  st32(32, B.CreateLShr(uidGid, 32));
  st32(36, H.getSmpProcessorId(B));
  // The stacks (about 0.7 us each): for every exemplar when an alert body
  // uses them, else only for the one taken at the crossing (spec §10.5).
  auto storeStacks = [&](bool take) {
    if (take) {
      FixedMap &stacks = fixedMap(contract::kStacksMap);
      B.CreateStore(H.getStackId(B, ctx, stacks.gv, false), bytePtr(e, 48));
      B.CreateStore(H.getStackId(B, ctx, stacks.gv, true), bytePtr(e, 56));
    } else {
      B.CreateStore(B.getInt64(-1), bytePtr(e, 48));
      B.CreateStore(B.getInt64(-1), bytePtr(e, 56));
    }
  };
  if (m.spec.exemplarStacks || threshold < 0) {
    storeStacks(m.spec.exemplarStacks);
  } else {
    auto *take = llvm::BasicBlock::Create(C, "ex.stacks", fn);
    auto *skip = llvm::BasicBlock::Create(C, "ex.nostacks", fn);
    auto *join = llvm::BasicBlock::Create(C, "ex.stacked", fn);
    B.CreateCondBr(B.CreateICmpNE(crossed, B.getInt32(0)), take, skip);
    B.SetInsertPoint(take);
    storeStacks(true);
    B.CreateBr(join);
    B.SetInsertPoint(skip);
    storeStacks(false);
    B.CreateBr(join);
    B.SetInsertPoint(join);
  }
  H.getCurrentComm(B, bytePtr(e, 64), 16);
  // Last: the flag that freezes it (the fields above belong to this event).
  B.CreateStore(crossed, bytePtr(e, 40));
  B.CreateBr(done);
  B.SetInsertPoint(done);
}

} // namespace obs::cg
