//===- write_combine.cpp - per-CPU write-combining of keyed aggregations --===//
//
// `@m[pid] = count()` costs a hash lookup per event. Keys repeat in bursts
// (one process makes many system calls in a row), so keyed count, sum, avg
// and stats maps that the program never reads go through a small per-CPU
// direct-mapped cache (contract.h, kCombineSlots): an event whose key holds
// its slot adds to it in place (an inlined array lookup and a compare);
// another key first adds the slot's partial into the hash entry, then takes
// the slot. User space adds the slots when it reads the map
// (runtime/maps.cpp), so output is the same as without the cache.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering.h"
#include "codegen/map_layout.h"
#include "lang/grammar/visitor.h"

namespace obs::cg {

namespace {

/// Names ("@m") of maps whose values the programs read: a map reference
/// anywhere but the target of an assignment or the argument of print,
/// clear or zero (which user space carries out).
class MapReadScan : public Visitor<MapReadScan> {
public:
  std::set<std::string> &out;
  explicit MapReadScan(std::set<std::string> &o) : out(o) {}

  static std::string key(const std::string &n) { return !n.empty() && n[0] == '@' ? n : "@" + n; }

  void visitMapRef(Expr &e, MapRef &m) {
    out.insert(key(m.name));
    traverse(e, m);
  }
  void visitAssign(Stmt &s, Assign &a) {
    auto *m = a.target ? a.target->as<MapRef>() : nullptr;
    if (!m || a.op != AssignOp::Set) {
      traverse(s, a);
      return;
    }
    for (Expr *k : m->keys)
      visit(k);
    visit(a.value);
  }
  void visitCall(Expr &e, Call &c) {
    if (c.name == "print" || c.name == "clear" || c.name == "zero") {
      for (size_t i = 0; i < c.args.size(); ++i)
        if (auto *m = c.args[i]->as<MapRef>(); i == 0 && m)
          for (Expr *k : m->keys)
            visit(k);
        else
          visit(c.args[i]);
      return;
    }
    traverse(e, c);
  }
};

} // namespace

void Lowering::findMapsReadInBpf() {
  MapReadScan scan(mapsReadInBpf);
  for (Probe *p : in.program.probes)
    scan.visitProbe(*p);
  // Alert conditions and bodies run in user space but read maps directly.
  for (Alert *a : in.program.alerts)
    scan.visitAlert(*a);
}

bool Lowering::wantsCombine(const contract::MapSpec &ms) const {
  using VK = contract::ValueKind;
  if (!opts.writeCombine || ms.windowed || ms.isArray || !ms.perCpu)
    return false;
  if (ms.kind != VK::Count && ms.kind != VK::Sum && ms.kind != VK::Avg && ms.kind != VK::Stats)
    return false;
  if (ms.keySize == 0 || ms.keySize % 8 || ms.keySize > 64)
    return false;
  for (const contract::KeyField &f : ms.key)
    if (f.kind == contract::KeyField::Kind::KStack || f.kind == contract::KeyField::Kind::UStack)
      return false; // stack ids are few and already hashed by the kernel
  return !mapsReadInBpf.count(ms.name);
}

void Lowering::lowerCombined(MapState &m, llvm::Value *key, llvm::Value *x) {
  using VK = contract::ValueKind;
  const contract::MapSpec &ms = m.spec;
  llvm::Type *i64 = B.getInt64Ty();
  uint32_t words = ms.keySize / 8;
  std::vector<llvm::Value *> kw;
  for (uint32_t i = 0; i < words; ++i)
    kw.push_back(B.CreateLoad(i64, bytePtr(key, 8 * i)));
  // Slot: the key's words folded, then multiply-shift (Fibonacci hashing).
  llvm::Value *h = kw[0];
  for (uint32_t i = 1; i < words; ++i)
    h = B.CreateXor(B.CreateMul(h, B.getInt64(0x100000001b3ull)), kw[i]);
  h = B.CreateLShr(B.CreateMul(h, B.getInt64(0x9E3779B97F4A7C15ull)), 64 - 8);
  static_assert(contract::kCombineSlots == 256, "the shift above takes 8 bits");
  llvm::IRBuilder<> eb(entryBlock, entryBlock->begin());
  auto *idx = eb.CreateAlloca(B.getInt32Ty(), nullptr, "wc.key");
  stackUsed += 4;
  B.CreateStore(B.CreateTrunc(h, B.getInt32Ty()), idx);
  llvm::Value *slot = H.mapLookup(B, m.combineGv, idx);
  auto *have = llvm::BasicBlock::Create(C, "wc.slot", fn);
  auto *hit = llvm::BasicBlock::Create(C, "wc.hit", fn);
  auto *miss = llvm::BasicBlock::Create(C, "wc.miss", fn);
  auto *take = llvm::BasicBlock::Create(C, "wc.take", fn);
  auto *done = llvm::BasicBlock::Create(C, "wc.done", fn);
  B.CreateCondBr(B.CreateIsNotNull(slot), have, done);
  B.SetInsertPoint(have);
  llvm::Value *same = B.getTrue();
  for (uint32_t i = 0; i < words; ++i)
    same = B.CreateAnd(same, B.CreateICmpEQ(B.CreateLoad(i64, bytePtr(slot, 16 + 8 * i)), kw[i]));
  llvm::Value *n = B.CreateLoad(i64, slot);
  // An empty slot (n == 0) is taken without a flush.
  B.CreateCondBr(same, hit, miss);

  auto addSlot = [&](llvm::Value *nOld, llvm::Value *sumOld) {
    B.CreateStore(B.CreateAdd(nOld, B.getInt64(1)), slot);
    if (x)
      B.CreateStore(B.CreateAdd(sumOld, x), bytePtr(slot, 8));
  };
  B.SetInsertPoint(hit);
  addSlot(n, x ? B.CreateLoad(i64, bytePtr(slot, 8)) : nullptr);
  B.CreateBr(done);

  // Another key holds the slot: add its partial into the hash entry (the
  // slot's key bytes are the key), then take the slot.
  B.SetInsertPoint(miss);
  auto *flush = llvm::BasicBlock::Create(C, "wc.flush", fn);
  B.CreateCondBr(B.CreateICmpEQ(n, B.getInt64(0)), take, flush);
  B.SetInsertPoint(flush);
  llvm::Value *p = lookupOrInit(m, bytePtr(slot, 16), take, n);
  llvm::Value *sum = B.CreateLoad(i64, bytePtr(slot, 8));
  auto addAt = [&](uint32_t off, llvm::Value *d) {
    llvm::Value *q = bytePtr(p, off);
    B.CreateStore(B.CreateAdd(B.CreateLoad(i64, q), d), q);
  };
  switch (ms.kind) {
  case VK::Count: addAt(0, n); break;
  case VK::Sum: addAt(0, sum); break;
  default: // Avg, Stats: { total, count }
    addAt(0, sum);
    addAt(8, n);
    break;
  }
  B.CreateBr(take);
  B.SetInsertPoint(take);
  for (uint32_t i = 0; i < words; ++i)
    B.CreateStore(kw[i], bytePtr(slot, 16 + 8 * i));
  addSlot(B.getInt64(0), B.getInt64(0));
  B.CreateBr(done);
  B.SetInsertPoint(done);
}

} // namespace obs::cg
