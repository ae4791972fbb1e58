//===- maps.cpp - map definitions, keys, reads and map functions ---------===//
//
// Keyless aggregations live in a one-slot per-CPU array and are updated in
// place; keyed ones in a per-CPU hash. Plain values (`@x = expr`) use a
// shared array or hash. Per-CPU values are merged by user space, so the
// kernel side needs no atomics. Value layouts are in contract.h; updates of
// aggregations (windowed or not) are in aggregations.cpp.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering.h"
#include "codegen/map_layout.h"

namespace obs::cg {

namespace {

std::string sanitize(const std::string &name) {
  std::string out;
  for (char c : name)
    out += (isalnum((unsigned char)c) || c == '_') ? c : '_';
  return out;
}

/// ustack and usym take 16 bytes, at the top of a key and in tuples alike
/// (as slotSize lays them out): the value, then the tgid its addresses
/// belong to (buildKey and lowerTuple store it).
void flattenKey(const Type *t, uint32_t &offset, std::vector<contract::KeyField> &out) {
  using K = contract::KeyField::Kind;
  if (t && t->kind == TypeKind::Tuple) {
    for (const Type *e : t->elements)
      flattenKey(e, offset, out);
    return;
  }
  contract::KeyField f;
  f.offset = offset;
  if (t && t->kind == TypeKind::Stack) {
    f.kind = t->isUser ? K::UStack : K::KStack;
    f.size = t->isUser ? 16 : 8;
    f.frames = t->count ? t->count : contract::kStackFrames;
  } else if (t && t->kind == TypeKind::Symbol) {
    f.kind = t->isUser ? K::USym : K::KSym;
    f.size = t->isUser ? 16 : 8;
  } else if (t && t->kind == TypeKind::Inet) {
    f.kind = K::Inet;
    f.size = 24;
  } else if (t && (t->kind == TypeKind::Buffer || t->kind == TypeKind::Timestamp)) {
    f.kind = t->kind == TypeKind::Buffer ? K::Buffer : K::Timestamp;
    f.size = slotSize(t);
  } else if (t && t->kind == TypeKind::String) {
    f.kind = K::String;
    f.size = t->size ? t->size : 64;
  } else {
    f.kind = t && t->kind == TypeKind::Integer && t->isSigned ? K::Int : K::Uint;
    f.size = 8;
  }
  out.push_back(f);
  offset += align8(f.size);
}

} // namespace

bool constantInt(const Expr *e, int64_t &out) {
  if (!e)
    return false;
  if (auto *l = e->as<IntegerLit>()) {
    out = int64_t(l->value);
    return true;
  }
  if (auto *q = e->as<QuantityLit>()) {
    out = int64_t(q->value);
    return true;
  }
  if (auto *u = e->as<Unary>(); u && u->op == UnaryOp::Neg && constantInt(u->operand, out)) {
    out = -out;
    return true;
  }
  return false;
}

MapState *Lowering::mapState(const std::string &refName, SourceRange where) {
  // The parser's MapRef names have no '@'; the map table's do ("@", "@h").
  std::string name = !refName.empty() && refName[0] == '@' ? refName : "@" + refName;
  auto it = maps.find(name);
  if (it != maps.end())
    return &it->second;
  // A map refused once (its error said) is not refused again at each use.
  if (!refusedMaps.insert(name).second)
    return nullptr;
  auto info = in.maps.find(name);
  if (info == in.maps.end()) {
    error(where, "internal error: map '" + name + "' is not in the map table");
    return nullptr;
  }
  const MapInfo &mi = info->second;
  MapState st;
  st.info = &mi;
  st.index = uint32_t(spec.maps.size());
  contract::MapSpec &ms = st.spec;
  ms.name = name;
  ms.bpfName = "m" + std::to_string(st.index) + "_" + sanitize(name.size() > 1 ? name.substr(1) : "");
  const Type *v = mi.value;
  using VK = contract::ValueKind;
  bool aggregation = v && v->kind == TypeKind::Aggregation;
  if (aggregation && mi.window.present()) {
    const Type *arg = v->valueType;
    ms.valueSigned = !(arg && arg->kind == TypeKind::Integer && !arg->isSigned && arg->bits == 64);
  } else if (aggregation) {
    const Type *arg = v->valueType;
    ms.valueSigned = !(arg && arg->kind == TypeKind::Integer && !arg->isSigned && arg->bits == 64);
    switch (v->aggregation) {
    case AggregationKind::Count: ms.kind = VK::Count; ms.valueSize = 8; break;
    case AggregationKind::Sum: ms.kind = VK::Sum; ms.valueSize = 8; break;
    case AggregationKind::Min: ms.kind = VK::Min; ms.valueSize = 16; break;
    case AggregationKind::Max: ms.kind = VK::Max; ms.valueSize = 16; break;
    case AggregationKind::Avg: ms.kind = VK::Avg; ms.valueSize = 16; break;
    case AggregationKind::Stats: ms.kind = VK::Stats; ms.valueSize = 16; break;
    case AggregationKind::Hist: ms.kind = VK::Hist; ms.valueSize = 8 * contract::kHistBuckets; break;
    case AggregationKind::Lhist: ms.kind = VK::Lhist; ms.valueSize = 8 * 3; break; // set at use
    default:
      error(where, std::string("'") + aggregationName(v->aggregation) +
                       "' needs a time window and is evaluated in user space; it is not lowered "
                       "to BPF");
      return nullptr;
    }
  } else if (v && (v->kind == TypeKind::Buffer || v->kind == TypeKind::Timestamp ||
                    v->kind == TypeKind::Stack || v->kind == TypeKind::Inet)) {
    ms.kind = VK::Rendered; // one field, laid out and decoded as a key part is
    uint32_t off = 0;
    flattenKey(v, off, ms.valueFields);
    ms.valueSize = off;
  } else if (v && v->kind == TypeKind::String) {
    ms.kind = VK::String;
    ms.stringSize = v->size ? v->size : 64;
    ms.valueSize = align8(ms.stringSize);
  } else if (v && v->kind == TypeKind::Tuple) {
    ms.kind = VK::Tuple;
    uint32_t off = 0;
    flattenKey(v, off, ms.valueFields);
    ms.valueSize = off;
  } else if (v && v->kind == TypeKind::Symbol) {
    // `@x = usym(a)`: an address the dump prints as its symbol; usym's
    // carries the tgid (valueFields[0] says which, as a key field would).
    ms.kind = VK::Int;
    uint32_t off = 0;
    flattenKey(v, off, ms.valueFields);
    ms.valueSize = off;
    ms.valueSigned = false;
  } else if (!v || v->kind == TypeKind::Integer || v->kind == TypeKind::Pointer) {
    ms.kind = VK::Int;
    ms.valueSize = 8;
    ms.valueSigned = !v || v->kind != TypeKind::Integer || v->isSigned;
  } else {
    error(where, "maps holding values of this type are not lowered yet");
    return nullptr;
  }
  ms.perCpu = aggregation;
  if (!aggregation && mi.keys.empty() && !mi.window.present()) {
    // A keyless plain value lives in a hash under key 0, so that clear()
    // and delete() can remove it (an array slot always exists).
    ms.isArray = false;
    ms.keySize = 4;
    ms.maxEntries = 1;
  } else if (mi.window.present()) {
    ms.windowed = true;
    ms.perCpu = true;
    ms.isArray = false;
    ms.overNs = mi.window.overNs;
    ms.everyNs = mi.window.everyNs ? mi.window.everyNs : mi.window.overNs;
    ms.windowSlots = uint32_t(ms.overNs / ms.everyNs + 2);
    ms.function = aggregation ? aggregationName(v->aggregation) : "";
    if (!aggregation) {
      error(where, "map '" + name + "' has a window but no aggregation");
      return nullptr;
    }
    switch (v->aggregation) {
    case AggregationKind::Count: case AggregationKind::Sum: case AggregationKind::Avg:
    case AggregationKind::Min: case AggregationKind::Max: case AggregationKind::Stats:
    case AggregationKind::Rate:
      ms.kind = VK::Count;
      ms.valueSize = 40; // obs_win_scalar
      break;
    case AggregationKind::Hist:
      ms.kind = VK::Hist;
      ms.valueSize = 40 + 8 * contract::kHistBuckets; // obs_win_hist
      break;
    case AggregationKind::Lhist:
      ms.kind = VK::Lhist;
      ms.valueSize = 40 + 8 * 3; // set at use
      break;
    case AggregationKind::Slope:
    case AggregationKind::R2:
    case AggregationKind::Predict:
      ms.kind = VK::Fit;
      ms.valueSize = 96; // obs_win_fit
      break;
    case AggregationKind::Quantile:
      ms.kind = VK::Quantile;
      ms.valueSize = 40 + 8 * kQuantileBuckets; // obs_win_quantile
      break;
    }
    if (in.alerts)
      for (const AlertInfo &a : *in.alerts)
        if (a.map == name || "@" + a.map == name) {
          ms.exemplarMap = ms.bpfName + "_ex";
          ms.exemplarThreshold = exemplarThreshold(*in.alerts, mi).value_or(-1);
          ms.exemplarStacks = exemplarStacks(*in.alerts, mi);
        }
    uint32_t off = 0;
    for (const Type *k : mi.keys)
      flattenKey(k, off, ms.key);
    ms.keySize = off + 8; // + the slot index
    ms.maxEntries = opts.mapEntries;
    if (ms.valueSize > 1024) {
      // 15 KB quantile partials: allocate entries on use, not 10240 x CPUs up front.
      ms.mapFlags = 1; // BPF_F_NO_PREALLOC
      ms.maxEntries = std::min<uint32_t>(ms.maxEntries, 4096);
    }
  } else if (mi.keys.empty()) {
    ms.isArray = true;
    ms.keySize = 4;
    ms.maxEntries = 1;
  } else {
    uint32_t off = 0;
    for (const Type *k : mi.keys)
      flattenKey(k, off, ms.key);
    ms.keySize = off;
    ms.maxEntries = opts.mapEntries;
    if (wantsCombine(ms))
      ms.combineMap = ms.bpfName + "_wc";
  }
  spec.maps.push_back(ms);
  auto &slot = maps[name] = st;
  if (!ms.combineMap.empty()) {
    auto *cty = llvm::StructType::get(C, {B.getPtrTy(), B.getPtrTy(), B.getPtrTy(), B.getPtrTy()});
    slot.combineGv = new llvm::GlobalVariable(M, cty, false, llvm::GlobalValue::ExternalLinkage,
                                              llvm::Constant::getNullValue(cty), ms.combineMap);
    slot.combineGv->setSection(".maps");
    slot.combineGv->setAlignment(llvm::Align(8));
  }
  if (!ms.exemplarMap.empty()) {
    auto *ety = llvm::StructType::get(C, {B.getPtrTy(), B.getPtrTy(), B.getPtrTy(), B.getPtrTy()});
    slot.exemplarGv = new llvm::GlobalVariable(M, ety, false, llvm::GlobalValue::ExternalLinkage,
                                               llvm::Constant::getNullValue(ety), ms.exemplarMap);
    slot.exemplarGv->setSection(".maps");
    slot.exemplarGv->setAlignment(llvm::Align(8));
  }
  // One pointer per member of the BTF struct (debug_info.cpp).
  std::vector<llvm::Type *> members(ms.mapFlags ? 5 : 4, B.getPtrTy());
  auto *ty = llvm::StructType::get(C, members);
  slot.gv = new llvm::GlobalVariable(M, ty, false, llvm::GlobalValue::ExternalLinkage,
                                     llvm::Constant::getNullValue(ty), ms.bpfName);
  slot.gv->setSection(".maps");
  slot.gv->setAlignment(llvm::Align(8));
  refusedMaps.erase(name);
  return &slot;
}

FixedMap &Lowering::fixedMap(const char *name) {
  FixedMap &f = fixedMaps[name];
  if (f.gv)
    return f;
  std::string n = name;
  unsigned members = 4;
  if (n == contract::kEventsMap) {
    f.type = Ringbuf;
    f.maxEntries = opts.ringbufBytes;
    members = 2;
  } else if (n == contract::kLostMap) {
    f.type = PercpuArray;
    f.keySize = 4;
    f.valueSize = 8;
  } else if (n == contract::kStacksMap) {
    f.type = StackTrace;
    f.keySize = 4;
    f.valueSize = 8 * contract::kStackFrames;
    f.maxEntries = contract::kStackEntries;
  } else if (n == contract::kLateMap || n == contract::kFullMap) {
    f.type = PercpuArray;
    f.keySize = 4;
    f.valueSize = 8;
  } else if (n == contract::kPidsMap) {
    f.type = Hash;
    f.keySize = 4;
    f.valueSize = 4;
    f.maxEntries = contract::kPidsEntries;
  } else if (n == contract::kExitMap) {
    f.type = Array;
    f.keySize = 4;
    f.valueSize = 8;
  } else if (n == contract::kScratchMap) {
    f.type = PercpuArray;
    f.keySize = 4;
  } else { // zero
    f.type = Array;
    f.keySize = 4;
  }
  std::vector<llvm::Type *> ptrs(members, B.getPtrTy());
  auto *ty = llvm::StructType::get(C, ptrs);
  f.gv = new llvm::GlobalVariable(M, ty, false, llvm::GlobalValue::ExternalLinkage,
                                  llvm::Constant::getNullValue(ty), name);
  f.gv->setSection(".maps");
  f.gv->setAlignment(llvm::Align(8));
  return f;
}

void Lowering::defineMaps() {
  for (auto &[name, mi] : in.maps)
    mapState(name, mi.firstUse);
  uint32_t maxValue = 8;
  for (auto &[name, st] : maps) {
    contract::MapSpec &ms = spec.maps[st.index];
    ms = st.spec;
    uint32_t type = ms.isArray ? (ms.perCpu ? PercpuArray : Array) : (ms.perCpu ? PercpuHash : Hash);
    attachMapBtf(st.gv, type, ms.maxEntries, ms.keySize, &ms.key, ms.valueSize, &ms,
                 st.info->firstUse, ms.mapFlags);
    if (st.exemplarGv)
      attachMapBtf(st.exemplarGv, Hash, ms.maxEntries, ms.keySize, &ms.key, kExemplarSlotSize,
                   nullptr, st.info->firstUse);
    if (st.combineGv)
      attachMapBtf(st.combineGv, PercpuArray, contract::kCombineSlots, 4, nullptr,
                   contract::kCombineHeader + ms.keySize, nullptr, st.info->firstUse);
    maxValue = std::max(maxValue, ms.valueSize);
    if (st.exemplarGv) // new exemplar entries start from obs_zero too
      maxValue = std::max(maxValue, kExemplarSlotSize);
  }
  fixedMap(contract::kEventsMap);
  fixedMap(contract::kLostMap);
  for (auto &[name, f] : fixedMaps) {
    if (name == contract::kScratchMap)
      f.valueSize = std::max<uint32_t>(8, scratchMax);
    if (name == contract::kZeroMap)
      f.valueSize = maxValue;
    if (name == contract::kLateMap || name == contract::kFullMap)
      f.maxEntries = std::max<uint32_t>(1, uint32_t(spec.maps.size()));
    attachMapBtf(f.gv, f.type, f.maxEntries, f.keySize, nullptr, f.valueSize, nullptr,
                 in.program.range);
  }
  spec.ringbufBytes = opts.ringbufBytes;
}

static llvm::Value *u32Zero(Lowering &L) {
  llvm::IRBuilder<> eb(L.entryBlock, L.entryBlock->begin());
  auto *a = eb.CreateAlloca(eb.getInt32Ty(), nullptr, "key0");
  L.B.CreateStore(L.B.getInt32(0), a);
  L.stackUsed += 4;
  return a;
}

void Lowering::storeAddressValue(MapState &m, MapRef &ref, llvm::Value *v) {
  llvm::Value *key = buildKey(m, ref);
  if (!key)
    return;
  const contract::MapSpec &ms = m.spec;
  llvm::Value *buf = allocMem(ms.valueSize, "mapval");
  B.CreateStore(v, buf);
  if (ms.valueSize >= 16) {
    // A user stack or symbol: the tgid its addresses belong to.
    llvm::Value *tgid = B.CreateLShr(H.getCurrentPidTgid(B), 32);
    B.CreateStore(tgid, bytePtr(buf, 8));
    if (opts.notePids)
      notePid(tgid);
  }
  updateOrCount(m, key, buf);
}

void Lowering::updateWithZeroes(llvm::Value *gv, llvm::Value *key, uint64_t flags,
                                llvm::BasicBlock *fail, const char *block) {
  llvm::Value *zp = fixedSlot(contract::kZeroMap, 0);
  auto *ok = llvm::BasicBlock::Create(C, block, fn);
  B.CreateCondBr(B.CreateIsNotNull(zp), ok, fail);
  B.SetInsertPoint(ok);
  H.mapUpdate(B, gv, key, zp, flags);
}

llvm::Value *Lowering::fixedSlot(const char *map, uint32_t index) {
  FixedMap &f = fixedMap(map);
  llvm::IRBuilder<> eb(entryBlock, entryBlock->begin());
  auto *k = eb.CreateAlloca(B.getInt32Ty(), nullptr, "slot.key");
  stackUsed += 4;
  B.CreateStore(B.getInt32(index), k);
  return H.mapLookup(B, f.gv, k);
}

void Lowering::bumpCounter(const char *map, uint32_t index, llvm::Value *amount) {
  llvm::Value *p = fixedSlot(map, index);
  auto *yes = llvm::BasicBlock::Create(C, "count.inc", fn);
  auto *done = llvm::BasicBlock::Create(C, "count.done", fn);
  B.CreateCondBr(B.CreateIsNotNull(p), yes, done);
  B.SetInsertPoint(yes);
  B.CreateStore(B.CreateAdd(B.CreateLoad(B.getInt64Ty(), p), amount ? amount : B.getInt64(1)), p);
  B.CreateBr(done);
  B.SetInsertPoint(done);
}

void Lowering::bumpLostCounter() { bumpCounter(contract::kLostMap, 0); }

void Lowering::updateOrCount(MapState &m, llvm::Value *key, llvm::Value *value) {
  llvm::Value *rc = H.mapUpdate(B, m.gv, key, value, kBpfAny);
  auto *full = llvm::BasicBlock::Create(C, "upd.full", fn);
  auto *done = llvm::BasicBlock::Create(C, "upd.stored", fn);
  B.CreateCondBr(B.CreateICmpSLT(rc, B.getInt64(0)), full, done);
  B.SetInsertPoint(full);
  bumpFullCounter(m.index);
  B.CreateBr(done);
  B.SetInsertPoint(done);
}

void Lowering::bumpFullCounter(uint32_t index, llvm::Value *amount) {
  bumpCounter(contract::kFullMap, index, amount);
}

llvm::Value *Lowering::buildKey(MapState &m, MapRef &ref) {
  const contract::MapSpec &ms = m.spec;
  if (ms.isArray)
    return u32Zero(*this);
  // @m[comm]: the helper writes the key in place (it pads with zeroes), so
  // there is no copy and no zeroing on the hot path.
  if (ref.keys.size() == 1 && !ms.windowed && ms.keySize == 16 && ms.key.size() == 1 &&
      ms.key[0].kind == contract::KeyField::Kind::String)
    if (auto *id = ref.keys[0]->as<Identifier>(); id && id->name == "comm") {
      llvm::Value *key = allocMem(ms.keySize, "key");
      H.getCurrentComm(B, key, 16);
      return key;
    }
  // Lower key expressions first: they may branch or use scratch.
  std::vector<std::pair<llvm::Value *, const Type *>> parts;
  for (Expr *k : ref.keys)
    parts.push_back({lowerExpr(k), k->type});
  if (ref.keys.empty() && !ms.windowed) { // keyless hash: key u32 0 (windowed: the slot index)
    llvm::IRBuilder<> eb(entryBlock, entryBlock->begin());
    auto *k = eb.CreateAlloca(B.getInt32Ty(), nullptr, "key0h");
    stackUsed += 4;
    B.CreateStore(B.getInt32(0), k);
    return k;
  }
  llvm::Value *key = allocMem(ms.keySize, "key");
  bool hasString = false;
  for (const auto &f : ms.key)
    hasString |= f.kind == contract::KeyField::Kind::String;
  if (hasString)
    zeroMem(key, ms.keySize);
  // `@m[(a, b)]` is the key `@m[a, b]` (sema's keyParts): the tuple's
  // elements laid out as the key's parts.
  const Type *only = ref.keys.size() == 1 ? parts[0].second : nullptr;
  if (only && only->kind == TypeKind::Tuple && m.info->keys.size() == only->elements.size() &&
      m.info->keys.size() > 1) {
    if (!parts[0].first)
      return nullptr;
    convertElements(key, m.info->keys, parts[0].first, only->elements);
    return key;
  }
  size_t field = 0;
  uint32_t offset = 0;
  unsigned noted = 0; // Pid records: one per key
  // Each key expression covers the fields of its flattened type.
  for (size_t i = 0; i < parts.size(); ++i) {
    const Type *kt = i < m.info->keys.size() ? m.info->keys[i] : parts[i].second;
    std::vector<contract::KeyField> sub;
    uint32_t subSize = 0;
    flattenKey(kt, subSize, sub);
    llvm::Value *v = parts[i].first;
    if (!v)
      return nullptr;
    convertValue(bytePtr(key, offset), kt, v, parts[i].second);
    if (sub.size() == 1 && sub[0].size == 16 &&
        (sub[0].kind == contract::KeyField::Kind::UStack ||
         sub[0].kind == contract::KeyField::Kind::USym)) {
      // The tgid the user addresses belong to, for symbolization.
      llvm::Value *tgid = B.CreateLShr(H.getCurrentPidTgid(B), 32);
      B.CreateStore(tgid, bytePtr(key, offset + 8));
      if (opts.notePids && !noted++)
        notePid(tgid);
    }
    if (sub.size() == 1 && field < m.spec.key.size())
      m.spec.key[field].mode = stackModeOf(ref.keys[i]);
    offset += subSize;
    field += sub.size();
  }
  return key;
}

llvm::Value *Lowering::lookupOrInit(MapState &m, llvm::Value *key, llvm::BasicBlock *fail,
                                    llvm::Value *dropped) {
  llvm::Value *p = H.mapLookup(B, m.gv, key);
  if (m.spec.isArray) {
    auto *ok = llvm::BasicBlock::Create(C, "map.ok", fn);
    B.CreateCondBr(B.CreateIsNotNull(p), ok, fail);
    B.SetInsertPoint(ok);
    return p;
  }
  llvm::BasicBlock *from = B.GetInsertBlock();
  auto *init = llvm::BasicBlock::Create(C, "map.init", fn);
  auto *init2 = llvm::BasicBlock::Create(C, "map.init2", fn);
  auto *have = llvm::BasicBlock::Create(C, "map.have", fn);
  B.CreateCondBr(B.CreateIsNotNull(p), have, init);
  B.SetInsertPoint(init);
  // The missing key's first value: zeroes on the stack when they are small
  // enough (no extra map lookup), else the obs_zero array's.
  uint32_t vsize = align8(m.spec.valueSize ? m.spec.valueSize : 8);
  llvm::Value *zp;
  if (vsize <= 64 && stackUsed + vsize <= 320) { // memory.cpp: kStackBufferMax, kStackBudget
    zp = allocMem(vsize, "zero");
    zeroMem(zp, vsize);
    B.CreateBr(init2);
  } else {
    zp = fixedSlot(contract::kZeroMap, 0);
    B.CreateCondBr(B.CreateIsNotNull(zp), init2, fail);
  }
  B.SetInsertPoint(init2);
  H.mapUpdate(B, m.gv, key, zp, kBpfNoExist);
  llvm::Value *p2 = H.mapLookup(B, m.gv, key);
  llvm::BasicBlock *init2End = B.GetInsertBlock();
  // Still missing: the insert failed because the map is full; count the
  // dropped update (reported at exit, never silent).
  auto *full = llvm::BasicBlock::Create(C, "map.full", fn);
  B.CreateCondBr(B.CreateIsNotNull(p2), have, full);
  B.SetInsertPoint(full);
  bumpFullCounter(m.index, dropped);
  B.CreateBr(fail);
  B.SetInsertPoint(have);
  auto *phi = B.CreatePHI(B.getPtrTy(), 2, "val");
  phi->addIncoming(p, from);
  phi->addIncoming(p2, init2End);
  return phi;
}

static bool isAggregationCall(const Expr *e, const MapState &m) {
  const Call *c = e ? e->as<Call>() : nullptr;
  return c && m.info->value && m.info->value->kind == TypeKind::Aggregation &&
         c->name == aggregationName(m.info->value->aggregation);
}

void Lowering::lowerMapAssign(Stmt &s, Assign &a, MapRef &ref) {
  MapState *m = mapState(ref.name, s.range);
  if (!m)
    return;
  using VK = contract::ValueKind;
  if (isAggregationCall(a.value, *m)) {
    lowerAggregation(*m, ref, *a.value->as<Call>(), s.range);
    return;
  }
  contract::MapSpec &ms = m->spec;
  if (ms.kind == VK::Count || ms.kind == VK::Sum) {
    // `@x += v` / `@x++` style updates on count/sum maps: add in place.
    if (a.op != AssignOp::Add && a.op != AssignOp::Sub) {
      error(s.range, "map '" + ms.name + "' holds an aggregation; only += and -= update it");
      return;
    }
    llvm::Value *v = lowerExpr(a.value);
    if (!v)
      return;
    if (a.op == AssignOp::Sub)
      v = B.CreateNeg(v);
    llvm::Value *key = buildKey(*m, ref);
    auto *done = llvm::BasicBlock::Create(C, "upd.done", fn);
    llvm::Value *p = lookupOrInit(*m, key, done);
    B.CreateStore(B.CreateAdd(B.CreateLoad(B.getInt64Ty(), p), v), p);
    B.CreateBr(done);
    B.SetInsertPoint(done);
    return;
  }
  if (ms.kind == VK::Tuple || ms.kind == VK::Rendered) {
    llvm::Value *v = lowerExpr(a.value);
    if (!v)
      return;
    if (a.op == AssignOp::Set && !v->getType()->isPointerTy() && ms.kind == VK::Rendered) {
      storeAddressValue(*m, ref, v); // `@s = kstack`, `@u = ustack`: the stack id
      return;
    }
    if (a.op != AssignOp::Set || !v->getType()->isPointerTy()) {
      error(s.range, "map '" + ms.name + "' holds tuples; only = assigns it");
      return;
    }
    llvm::Value *key = buildKey(*m, ref);
    if (!key)
      return;
    llvm::Value *buf = allocMem(ms.valueSize, "mapval");
    zeroMem(buf, ms.valueSize);
    convertValue(buf, m->info->value, v, a.value->type);
    updateOrCount(*m, key, buf);
    return;
  }
  if (ms.kind != VK::Int && ms.kind != VK::String) {
    error(s.range, "map '" + ms.name + "' holds an aggregation; assign it with " +
                       aggregationName(m->info->value->aggregation) + "()");
    return;
  }
  llvm::Value *v = lowerExpr(a.value);
  if (!v)
    return;
  if (ms.kind == VK::String) {
    if (a.op != AssignOp::Set || !v->getType()->isPointerTy()) {
      error(s.range, "map '" + ms.name + "' holds strings; only = assigns it");
      return;
    }
    llvm::Value *key = buildKey(*m, ref);
    llvm::Value *buf = allocMem(ms.valueSize, "mapval");
    const Type *vt = a.value->type;
    copyString(buf, ms.valueSize, v, vt && vt->size ? vt->size : ms.stringSize);
    updateOrCount(*m, key, buf);
    return;
  }
  if (v->getType()->isPointerTy()) {
    error(s.range, "map '" + ms.name + "' holds integers");
    return;
  }
  if (ms.valueSize == 16 && ms.valueFields.size() == 1 &&
      ms.valueFields[0].kind == contract::KeyField::Kind::USym) {
    if (a.op != AssignOp::Set) {
      error(s.range, "map '" + ms.name + "' holds user symbols; only = assigns it");
      return;
    }
    storeAddressValue(*m, ref, v);
    return;
  }
  llvm::Value *key = buildKey(*m, ref);
  if (a.op == AssignOp::Set) {
    llvm::Value *tmp = allocI64("mapval");
    B.CreateStore(v, tmp);
    updateOrCount(*m, key, tmp);
    return;
  }
  auto *done = llvm::BasicBlock::Create(C, "upd.done", fn);
  llvm::Value *p = lookupOrInit(*m, key, done);
  llvm::Value *old = B.CreateLoad(B.getInt64Ty(), p);
  llvm::Value *nv = nullptr;
  bool sgn = ms.valueSigned;
  switch (a.op) {
  case AssignOp::Add: nv = B.CreateAdd(old, v); break;
  case AssignOp::Sub: nv = B.CreateSub(old, v); break;
  case AssignOp::Mul: nv = B.CreateMul(old, v); break;
  case AssignOp::Div: nv = divide(old, v, sgn, false); break;
  case AssignOp::Mod: nv = divide(old, v, sgn, true); break;
  case AssignOp::Shl: nv = B.CreateShl(old, B.CreateAnd(v, 63)); break;
  case AssignOp::Shr:
    nv = sgn ? B.CreateAShr(old, B.CreateAnd(v, 63)) : B.CreateLShr(old, B.CreateAnd(v, 63));
    break;
  case AssignOp::BitAnd: nv = B.CreateAnd(old, v); break;
  case AssignOp::BitOr: nv = B.CreateOr(old, v); break;
  case AssignOp::BitXor: nv = B.CreateXor(old, v); break;
  case AssignOp::Set: nv = v; break;
  }
  B.CreateStore(nv, p);
  B.CreateBr(done);
  B.SetInsertPoint(done);
}

llvm::Value *Lowering::lowerMapRead(Expr &e, MapRef &ref) {
  MapState *m = mapState(ref.name, e.range);
  if (!m)
    return nullptr;
  using VK = contract::ValueKind;
  contract::MapSpec &ms = m->spec;
  llvm::Value *key = buildKey(*m, ref);
  if (!key)
    return nullptr;
  llvm::Value *p = H.mapLookup(B, m->gv, key);
  llvm::BasicBlock *from = B.GetInsertBlock();
  auto *have = llvm::BasicBlock::Create(C, "read.have", fn);
  auto *done = llvm::BasicBlock::Create(C, "read.done", fn);
  if (ms.kind == VK::String || ms.kind == VK::Tuple || ms.kind == VK::Rendered) {
    llvm::Value *buf = allocMem(ms.valueSize, "mapstr");
    zeroMem(buf, ms.valueSize);
    B.CreateCondBr(B.CreateIsNotNull(p), have, done);
    B.SetInsertPoint(have);
    copyMem(buf, p, ms.valueSize);
    B.CreateBr(done);
    B.SetInsertPoint(done);
    return buf;
  }
  B.CreateCondBr(B.CreateIsNotNull(p), have, done);
  B.SetInsertPoint(have);
  llvm::Type *i64 = B.getInt64Ty();
  llvm::Value *v = nullptr;
  switch (ms.kind) {
  case VK::Int:
  case VK::Count:
  case VK::Sum:
  case VK::Min:
  case VK::Max:
    v = B.CreateLoad(i64, p);
    break;
  case VK::Avg: {
    llvm::Value *total = B.CreateLoad(i64, p);
    llvm::Value *count = B.CreateLoad(i64, bytePtr(p, 8));
    v = divide(total, count, true, false);
    break;
  }
  default:
    error(e.range, "map '" + ms.name + "' holds a histogram or stats; it cannot be read in a probe");
    v = B.getInt64(0);
  }
  llvm::BasicBlock *haveEnd = B.GetInsertBlock();
  B.CreateBr(done);
  B.SetInsertPoint(done);
  auto *phi = B.CreatePHI(i64, 2, "mapread");
  phi->addIncoming(B.getInt64(0), from);
  phi->addIncoming(v, haveEnd);
  return phi;
}

llvm::Value *Lowering::lowerMapFunction(Expr &e, Call &c) {
  MapRef *ref = c.args.empty() ? nullptr : c.args[0]->as<MapRef>();
  if (!ref) {
    error(e.range, "'" + c.name + "' takes a map, as in " + c.name + "(@m)");
    return nullptr;
  }
  MapState *m = mapState(ref->name, e.range);
  if (!m)
    return nullptr;
  if (c.name == "len") {
    // bpf_for_each_map_elem with a callback that counts into *ctx.
    llvm::Function *cb = M.getFunction("obs_len_cb");
    if (!cb) {
      auto *fty = llvm::FunctionType::get(B.getInt64Ty(),
                                          {B.getPtrTy(), B.getPtrTy(), B.getPtrTy(), B.getPtrTy()},
                                          false);
      cb = llvm::Function::Create(fty, llvm::GlobalValue::InternalLinkage, "obs_len_cb", M);
      cb->addFnAttr(llvm::Attribute::NoInline);
      cb->addFnAttr(llvm::Attribute::NoUnwind);
      llvm::DISubprogram *csp = nullptr;
      if (dib) {
        llvm::DIFile *file = diFile(in.program.range.file);
        auto *fty2 = dib->createSubroutineType(
            dib->getOrCreateTypeArray({diI64, diVoidPtr, diVoidPtr, diVoidPtr, diVoidPtr}));
        csp = dib->createFunction(file, "obs_len_cb", "obs_len_cb", file, 0, fty2, 0,
                                  llvm::DINode::FlagPrototyped,
                                  llvm::DISubprogram::SPFlagDefinition |
                                      llvm::DISubprogram::SPFlagLocalToUnit |
                                      llvm::DISubprogram::SPFlagOptimized);
        const char *names[] = {"map", "key", "value", "ctx"};
        for (unsigned i = 0; i < 4; ++i)
          dib->createParameterVariable(csp, names[i], i + 1, file, 0, diVoidPtr, true);
        cb->setSubprogram(csp);
      }
      llvm::IRBuilder<> cbb(llvm::BasicBlock::Create(C, "entry", cb));
      if (csp)
        cbb.SetCurrentDebugLocation(llvm::DILocation::get(C, 0, 0, csp));
      llvm::Value *cnt = cb->getArg(3);
      cbb.CreateStore(cbb.CreateAdd(cbb.CreateLoad(cbb.getInt64Ty(), cnt), cbb.getInt64(1)), cnt);
      cbb.CreateRet(cbb.getInt64(0));
    }
    llvm::Value *counter = allocI64("len");
    B.CreateStore(B.getInt64(0), counter);
    if (!H.forEachMapElem(B, m->gv, cb, counter)) {
      error(e.range, "len() is not available on this target");
      return nullptr;
    }
    return B.CreateLoad(B.getInt64Ty(), counter);
  }
  if (c.name == "print" || c.name == "clear" || c.name == "zero") {
    auto kind = c.name == "print"   ? contract::EventKind::Print
                : c.name == "clear" ? contract::EventKind::Clear
                                    : contract::EventKind::Zero;
    emitEvent(kind, m->index);
    return nullptr;
  }
  // delete(@m[k]) / delete(@m, k) and has_key(@m, k).
  MapRef keyed = *ref;
  if (c.args.size() > 1)
    keyed.keys.assign(c.args.begin() + 1, c.args.end());
  llvm::Value *key = buildKey(*m, keyed);
  if (!key)
    return nullptr;
  if (c.name == "delete") {
    H.mapDelete(B, m->gv, key);
    return nullptr;
  }
  llvm::Value *p = H.mapLookup(B, m->gv, key);
  return B.CreateZExt(B.CreateIsNotNull(p), B.getInt64Ty());
}

} // namespace obs::cg
