//===- builtins.cpp - builtin variables and functions ---------------------===//
//
// pid tid uid gid comm nsecs cpu cgroup curtask arg0..argN retval, tracepoint
// `args` fields, and the calls printf str exit plus the map functions.
// printf sends a record (contract.h: header, then 8-aligned arguments) into
// the ring buffer; a failed reserve is counted in obs_lost, never dropped
// silently.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering.h"
#include "codegen/map_layout.h"

namespace obs::cg {

namespace {
// x86-64 struct pt_regs: di si dx cx r8 r9, return value in ax.
constexpr uint32_t kPtRegsArgs[] = {112, 104, 96, 88, 72, 64};
constexpr uint32_t kPtRegsAx = 80;
} // namespace

llvm::Value *Lowering::loadCtxField(uint32_t offset, const Type *t) {
  if (isMemoryType(t)) {
    uint32_t n = t->size ? t->size : 8;
    llvm::Value *buf = allocMem(n, "argbuf");
    if (align8(n) != n)
      zeroMem(buf, align8(n));
    H.probeRead(B, buf, n, bytePtr(ctx, offset), HelperTarget::Space::Kernel);
    if (t->kind == TypeKind::String || t->kind == TypeKind::Array)
      B.CreateStore(B.getInt8(0), bytePtr(buf, n - 1));
    return buf;
  }
  uint32_t bytes = 8;
  if (t && t->kind == TypeKind::Integer && t->bits && t->bits < 64)
    bytes = std::max(1u, t->bits / 8);
  auto *ld = B.CreateLoad(B.getIntNTy(bytes * 8), bytePtr(ctx, offset));
  ld->setAlignment(llvm::Align(bytes));
  return extend(ld, t);
}

static int ptRegsOffset(const std::string &field) {
  static const char *names[] = {"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8",
                                "ax",  "cx",  "dx",  "si",  "di", "orig_ax", "ip", "cs",
                                "flags", "sp", "ss"};
  for (int i = 0; i < int(std::size(names)); ++i)
    if (field == names[i])
      return 8 * i;
  return -1;
}

llvm::Value *Lowering::usdtArg(const UsdtArgument &a) {
  auto reg = [&](const std::string &r) -> llvm::Value * {
    int off = ptRegsOffset(ptRegsField(r));
    if (off < 0)
      return nullptr;
    return B.CreateLoad(B.getInt64Ty(), bytePtr(ctx, uint32_t(off)));
  };
  Type t;
  t.kind = TypeKind::Integer;
  t.bits = 8 * a.size;
  t.isSigned = a.isSigned;
  switch (a.kind) {
  case UsdtArgument::Kind::Constant:
    return B.getInt64(uint64_t(a.value));
  case UsdtArgument::Kind::Register: {
    llvm::Value *v = reg(a.reg);
    return v ? truncateTo(v, &t) : nullptr;
  }
  case UsdtArgument::Kind::Memory: {
    if (!a.symbol.empty())
      return nullptr;
    llvm::Value *base = reg(a.reg);
    if (!base)
      return nullptr;
    llvm::Value *addr = B.CreateAdd(base, B.getInt64(uint64_t(a.value)));
    if (!a.indexReg.empty()) {
      llvm::Value *idx = reg(a.indexReg);
      if (!idx)
        return nullptr;
      addr = B.CreateAdd(addr, B.CreateMul(idx, B.getInt64(a.scale)));
    }
    llvm::Value *tmp = allocI64("usdtarg");
    B.CreateStore(B.getInt64(0), tmp);
    H.probeRead(B, tmp, a.size, B.CreateIntToPtr(addr, B.getPtrTy()), HelperTarget::Space::User);
    return truncateTo(B.CreateLoad(B.getInt64Ty(), tmp), &t);
  }
  }
  return nullptr;
}

llvm::Value *Lowering::ctxArg(unsigned index) {
  using AK = contract::AttachKind;
  if (!usdtArgs.empty() || (attachKind == AK::Uprobe && false))
    return index < usdtArgs.size() ? usdtArg(usdtArgs[index]) : nullptr;
  switch (attachKind) {
  case AK::Kprobe:
  case AK::Kretprobe:
  case AK::Uprobe:
  case AK::Uretprobe:
    if (index >= std::size(kPtRegsArgs))
      return nullptr;
    return B.CreateLoad(B.getInt64Ty(), bytePtr(ctx, kPtRegsArgs[index]));
  case AK::RawTracepoint:
  case AK::Fentry:
  case AK::Fexit:
    return B.CreateLoad(B.getInt64Ty(), bytePtr(ctx, 8 * index));
  default:
    return nullptr;
  }
}

llvm::Value *Lowering::lowerIdentifier(Expr &e, Identifier &id) {
  const std::string &n = id.name;
  auto lo32 = [&](llvm::Value *v) { return B.CreateAnd(v, B.getInt64(0xffffffff)); };
  if (n == "pid")
    return B.CreateLShr(H.getCurrentPidTgid(B), 32);
  if (n == "tid")
    return lo32(H.getCurrentPidTgid(B));
  if (n == "uid")
    return lo32(H.getCurrentUidGid(B));
  if (n == "gid")
    return B.CreateLShr(H.getCurrentUidGid(B), 32);
  if (n == "nsecs")
    return H.ktimeGetNs(B);
  if (n == "cpu")
    return lo32(H.getSmpProcessorId(B));
  if (n == "cgroup")
    return H.getCurrentCgroupId(B);
  if (n == "curtask")
    return H.getCurrentTask(B);
  if (n == "comm") {
    uint32_t size = e.type && e.type->size ? e.type->size : 16;
    llvm::Value *buf = allocMem(size, "comm");
    H.getCurrentComm(B, buf, size);
    return buf;
  }
  if (n == "retval") {
    using AK = contract::AttachKind;
    if (attachKind == AK::Kretprobe || attachKind == AK::Uretprobe)
      return truncateTo(B.CreateLoad(B.getInt64Ty(), bytePtr(ctx, kPtRegsAx)), e.type);
    if (attachKind == AK::Fexit) {
      // The context is the u64 argument array; the return value follows it.
      int nargs = in.functionArgCount ? in.functionArgCount(funcName) : -1;
      if (nargs >= 0)
        return truncateTo(B.CreateLoad(B.getInt64Ty(), bytePtr(ctx, 8 * uint32_t(nargs))),
                          e.type);
    }
    error(e.range, "'retval' is lowered only in kretprobe and uretprobe probes");
    return nullptr;
  }
  if (n.size() > 3 && n.compare(0, 3, "arg") == 0 &&
      n.find_first_not_of("0123456789", 3) == std::string::npos) {
    llvm::Value *v = ctxArg(unsigned(std::stoul(n.substr(3))));
    if (!v)
      error(e.range, "'" + n + "' is not available in this probe");
    return v;
  }
  if (n == "kstack" || n == "ustack") {
    FixedMap &stacks = fixedMap(contract::kStacksMap);
    return H.getStackId(B, ctx, stacks.gv, n == "ustack");
  }
  if (n == "elapsed") {
    return B.CreateSub(H.ktimeGetNs(B), loadStartNs());
  }
  if (n == "func") {
    // The traced function is fixed per program: a static symbol id.
    uint64_t id = 0;
    while (id < spec.symbols.size() && spec.symbols[id] != funcName)
      ++id;
    if (id == spec.symbols.size())
      spec.symbols.push_back(funcName);
    return B.getInt64(contract::kStaticSymbolBit | id);
  }
  if (n == "ppid") {
    const Type *task = in.record ? in.record("struct task_struct") : nullptr;
    const Field *parent = task ? task->field("real_parent") : nullptr;
    const Field *tgid = task ? task->field("tgid") : nullptr;
    if (!parent || !tgid) {
      error(e.range, "'ppid' needs struct task_struct (real_parent, tgid) from kernel BTF");
      return nullptr;
    }
    llvm::Value *tmp = allocI64("ppid");
    B.CreateStore(B.getInt64(0), tmp);
    llvm::Value *task0 = H.getCurrentTask(B);
    H.probeRead(B, tmp, 8, B.CreateIntToPtr(B.CreateAdd(task0, B.getInt64(parent->offset)), B.getPtrTy()),
                HelperTarget::Space::Kernel);
    llvm::Value *par = B.CreateLoad(B.getInt64Ty(), tmp);
    B.CreateStore(B.getInt64(0), tmp);
    H.probeRead(B, tmp, 4, B.CreateIntToPtr(B.CreateAdd(par, B.getInt64(tgid->offset)), B.getPtrTy()),
                HelperTarget::Space::Kernel);
    return B.CreateZExt(B.CreateLoad(B.getInt32Ty(), tmp), B.getInt64Ty());
  }
  if (n == "probe") {
    StringLit lit{probeName};
    return lowerStringLit(e, lit);
  }
  if (in.params) {
    auto it = in.params->find(n);
    if (it != in.params->end() && it->second && paramDepth < 16) {
      ++paramDepth;
      llvm::Value *v = lowerExpr(const_cast<Expr *>(it->second));
      --paramDepth;
      return v;
    }
  }
  error(e.range, "builtin '" + n + "' is not lowered to BPF yet");
  return nullptr;
}

llvm::Value *Lowering::loadStartNs() {
  llvm::GlobalVariable *g = M.getGlobalVariable(contract::kStartNsSymbol);
  if (!g) {
    g = new llvm::GlobalVariable(M, B.getInt64Ty(), true, llvm::GlobalValue::ExternalLinkage,
                                 B.getInt64(0), contract::kStartNsSymbol);
    g->setSection(".rodata");
    g->setAlignment(llvm::Align(8));
    attachRodataBtf(g);
  }
  // Volatile: the loader sets the value; LLVM must not fold the 0.
  return B.CreateLoad(B.getInt64Ty(), g, /*isVolatile=*/true, "start");
}

Lowering::RecordSite Lowering::beginRecord(contract::EventKind kind, llvm::Value *id,
                                           uint32_t size) {
  RecordSite r;
  r.rec = H.ringbufReserve(B, fixedMap(contract::kEventsMap).gv, size);
  auto *ok = llvm::BasicBlock::Create(C, "record.ok", fn);
  r.lost = llvm::BasicBlock::Create(C, "record.lost", fn);
  r.done = llvm::BasicBlock::Create(C, "record.done", fn);
  B.CreateCondBr(B.CreateIsNotNull(r.rec), ok, r.lost);
  B.SetInsertPoint(ok);
  B.CreateStore(B.getInt32(uint32_t(kind)), r.rec);
  B.CreateStore(id, bytePtr(r.rec, 4));
  return r;
}

void Lowering::endRecord(const RecordSite &r) {
  H.ringbufSubmit(B, r.rec);
  B.CreateBr(r.done);
  B.SetInsertPoint(r.lost);
  bumpLostCounter();
  B.CreateBr(r.done);
  B.SetInsertPoint(r.done);
}

void Lowering::emitEvent(contract::EventKind kind, uint32_t id) {
  endRecord(beginRecord(kind, B.getInt32(id), sizeof(contract::EventHeader)));
}

void Lowering::notePid(llvm::Value *tgid) {
  FixedMap &pids = fixedMap(contract::kPidsMap);
  llvm::Value *key = allocMem(4, "pid.key");
  B.CreateStore(B.CreateTrunc(tgid, B.getInt32Ty()), key);
  llvm::Value *seen = H.mapLookup(B, pids.gv, key);
  auto *fresh = llvm::BasicBlock::Create(C, "pid.new", fn);
  auto *send = llvm::BasicBlock::Create(C, "pid.send", fn);
  auto *have = llvm::BasicBlock::Create(C, "pid.rec", fn);
  auto *done = llvm::BasicBlock::Create(C, "pid.done", fn);
  B.CreateCondBr(B.CreateIsNull(seen), fresh, done);
  B.SetInsertPoint(fresh);
  // Only the CPU whose insert wins announces it (BPF_NOEXIST).
  llvm::Value *rc = H.mapUpdate(B, pids.gv, key, key, 1);
  B.CreateCondBr(B.CreateICmpEQ(rc, B.getInt64(0)), send, done);
  B.SetInsertPoint(send);
  llvm::Value *rec = H.ringbufReserve(B, fixedMap(contract::kEventsMap).gv, 8);
  B.CreateCondBr(B.CreateIsNotNull(rec), have, done);
  B.SetInsertPoint(have);
  B.CreateStore(B.getInt32(uint32_t(contract::EventKind::Pid)), rec);
  B.CreateStore(B.CreateTrunc(tgid, B.getInt32Ty()), bytePtr(rec, 4));
  H.ringbufSubmit(B, rec);
  B.CreateBr(done);
  B.SetInsertPoint(done);
}

contract::StackMode stackModeOf(const Expr *e) {
  const Call *c = e ? e->as<Call>() : nullptr;
  if (c && (c->name == "kstack" || c->name == "ustack"))
    for (const Expr *arg : c->args)
      if (const auto *id = arg->as<Identifier>()) {
        if (id->name == "perf")
          return contract::StackMode::Perf;
        if (id->name == "raw")
          return contract::StackMode::Raw;
      }
  return contract::StackMode::Bpftrace;
}

contract::FormatArg Lowering::formatArgFor(const Expr *a, const Type *t,
                                           llvm::Value *v) {
  contract::FormatArg fa;
  using FK = contract::FormatArg::Kind;
  if (t && (t->kind == TypeKind::Buffer || t->kind == TypeKind::Timestamp)) {
    // buf() and strftime() values: copied whole, rendered by user space.
    fa.kind = t->kind == TypeKind::Buffer ? FK::Buffer : FK::Timestamp;
    fa.size = slotSize(t);
  } else if (t && !v->getType()->isPointerTy() &&
             (t->kind == TypeKind::Stack ||
              (t->kind == TypeKind::Symbol && t->isUser))) {
    // Stacks and user symbols: rendered by user space; user ones carry
    // the tgid their addresses belong to (stored by emitFormatRecord).
    bool user = t->isUser;
    fa.kind = t->kind == TypeKind::Symbol ? FK::USym
              : user                      ? FK::UStack
                                          : FK::KStack;
    fa.size = user ? 16 : 8;
    fa.mode = stackModeOf(a);
    if (t->kind == TypeKind::Stack && t->count)
      fa.frames = t->count;
  } else if (t && t->kind == TypeKind::Inet) {
    fa.kind = FK::Inet;
    fa.size = 24;
  } else if (t && t->kind == TypeKind::Symbol && !t->isUser &&
             !v->getType()->isPointerTy()) {
    fa.kind = FK::KSym;
    fa.size = 8;
  } else if (v->getType()->isPointerTy()) {
    fa.kind = FK::String;
    fa.size = t && t->size ? t->size : 64;
    if (auto *s = a ? a->as<StringLit>() : nullptr)
      fa.size = std::max<uint32_t>(fa.size, uint32_t(s->value.size() + 1));
  } else {
    bool sgn = !t || t->kind != TypeKind::Integer || t->isSigned;
    fa.kind = sgn ? FK::Int : FK::Uint;
    fa.size = 8;
  }
  return fa;
}

llvm::Value *Lowering::lowerFormatValue(Expr *&a, Expr &funcStr) {
  auto *fid = a->as<Identifier>();
  if (fid && fid->name == "func") {
    // printf("%s", func): the name itself, known here.
    StringLit lit{funcName};
    a = &funcStr;
    return lowerStringLit(funcStr, lit);
  }
  return lowerExpr(a);
}

void Lowering::lowerPrintf(Expr &e, Call &c, contract::EventKind kind) {
  const StringLit *fmt = c.args.empty() ? nullptr : c.args[0]->as<StringLit>();
  if (!fmt) {
    error(e.range, "printf needs a format string");
    return;
  }
  contract::PrintfSpec ps;
  ps.format = fmt->value;
  uint32_t off = sizeof(contract::EventHeader);
  std::vector<llvm::Value *> vals;
  std::vector<uint32_t> srcSizes;
  for (size_t i = 1; i < c.args.size(); ++i) {
    Expr *a = c.args[i];
    Expr funcStr{a->range, ExprNode(StringLit{funcName}), nullptr};
    llvm::Value *v = lowerFormatValue(a, funcStr);
    if (!v)
      return;
    if (a->type && a->type->kind == TypeKind::Tuple) {
      error(a->range, "printing a tuple is not lowered (bpftrace 0.17 refuses it too); print "
                      "its elements: $t.0, $t.1");
      return;
    }
    contract::FormatArg fa = formatArgFor(a, a->type, v);
    fa.offset = off;
    off += align8(fa.size);
    ps.args.push_back(fa);
    vals.push_back(v);
    srcSizes.push_back(c.args[i]->type && c.args[i]->type->size
                           ? c.args[i]->type->size
                           : fa.size);
  }
  ps.recordSize = off;
  emitFormatRecord(std::move(ps), vals, srcSizes, kind);
}

void Lowering::emitFormatRecord(contract::PrintfSpec ps,
                                const std::vector<llvm::Value *> &vals,
                                const std::vector<uint32_t> &srcSizes,
                                contract::EventKind kind) {
  uint32_t id = uint32_t(spec.formats.size());
  spec.formats.push_back(ps);

  RecordSite site = beginRecord(kind, B.getInt32(id), ps.recordSize);
  llvm::Value *rec = site.rec;
  for (size_t i = 0; i < vals.size(); ++i) {
    const contract::FormatArg &fa = ps.args[i];
    if (fa.kind == contract::FormatArg::Kind::Inet ||
        fa.kind == contract::FormatArg::Kind::Buffer ||
        fa.kind == contract::FormatArg::Kind::Timestamp) {
      copyMem(bytePtr(rec, fa.offset), vals[i], fa.size);
    } else if (fa.kind == contract::FormatArg::Kind::String) {
      copyString(bytePtr(rec, fa.offset), align8(fa.size), vals[i],
                 srcSizes[i]);
    } else {
      B.CreateStore(vals[i], bytePtr(rec, fa.offset));
      if (fa.kind == contract::FormatArg::Kind::USym ||
          fa.kind == contract::FormatArg::Kind::UStack)
        B.CreateStore(B.CreateLShr(H.getCurrentPidTgid(B), 32), bytePtr(rec, fa.offset + 8));
    }
  }
  endRecord(site);
}

llvm::Value *Lowering::lowerStr(Expr &e, Call &c) {
  if (c.args.empty()) {
    error(e.range, "str() needs a pointer");
    return nullptr;
  }
  uint32_t size = e.type && e.type->size ? e.type->size : 64;
  if (c.args.size() > 1) {
    auto *n = c.args[1]->as<IntegerLit>();
    if (!n) {
      error(c.args[1]->range, "the length of str() must be a constant here");
      return nullptr;
    }
    size = uint32_t(std::min<uint64_t>(n->value + 1, size));
  }
  llvm::Value *p = lowerExpr(c.args[0]);
  if (!p)
    return nullptr;
  if (p->getType()->isPointerTy()) // already a string
    return p;
  uint32_t cap = e.type && e.type->size ? e.type->size : size;
  llvm::Value *buf = allocMem(cap, "str");
  zeroMem(buf, align8(cap)); // deterministic bytes after the NUL: strings are map keys
  auto space = (attachKind == contract::AttachKind::Uprobe ||
                attachKind == contract::AttachKind::Uretprobe)
                   ? HelperTarget::Space::User
                   : HelperTarget::Space::Any;
  H.probeReadStr(B, buf, size, B.CreateIntToPtr(p, B.getPtrTy()), space);
  return buf;
}

llvm::Value *Lowering::lowerCall(Expr &e, Call &c) {
  const std::string &n = c.name;
  if (n == "printf") {
    lowerPrintf(e, c);
    return B.getInt64(0);
  }
  if (n == "str")
    return lowerStr(e, c);
  if (n == "cat" || n == "system") {
    lowerPrintf(e, c, n == "cat" ? contract::EventKind::Cat : contract::EventKind::System);
    return B.getInt64(0);
  }
  if (n == "strftime")
    return lowerStrftime(e, c);
  if (n == "buf")
    return lowerBuf(e, c);
  if (n == "signal")
    return lowerSignal(e, c);
  if (n == "kstack" || n == "ustack") {
    Identifier id{n};
    return lowerIdentifier(e, id);
  }
  if (n == "ksym" || n == "usym" || n == "kaddr") {
    if (c.args.empty()) {
      error(e.range, n + "() needs an address");
      return nullptr;
    }
    if (n == "kaddr")
      return lowerKaddr(e, c);
    return lowerExpr(c.args[0]); // the address; printed as a symbol by the runtime
  }
  if (n == "ntop") {
    if (c.args.empty() || c.args.size() > 2) {
      error(e.range, "ntop([family,] address) takes one or two arguments");
      return nullptr;
    }
    llvm::Value *family = nullptr;
    if (c.args.size() == 2) {
      family = lowerExpr(c.args[0]);
      if (!family)
        return nullptr;
    }
    Expr *a = c.args.back();
    llvm::Value *addr = lowerExpr(a);
    if (!addr)
      return nullptr;
    llvm::Value *buf = allocMem(24, "inet");
    zeroMem(buf, 24);
    if (addr->getType()->isPointerTy()) {
      uint32_t n16 = a->type && a->type->size >= 16 ? 16 : 4;
      copyMem(bytePtr(buf, 8), addr, n16);
      if (!family)
        family = B.getInt64(n16 == 16 ? 10 : 2);
    } else {
      B.CreateStore(B.CreateTrunc(addr, B.getInt32Ty()), bytePtr(buf, 8));
      if (!family)
        family = B.getInt64(2);
    }
    B.CreateStore(family, buf);
    return buf;
  }
  if (n == "join") {
    if (c.args.empty()) {
      error(e.range, "join() needs an array of strings, such as args.argv");
      return nullptr;
    }
    llvm::Value *argv = lowerExpr(c.args[0]);
    if (!argv || argv->getType()->isPointerTy()) {
      error(e.range, "join() needs a pointer to an array of string pointers");
      return nullptr;
    }
    contract::PrintfSpec ps;
    const StringLit *sep = c.args.size() > 1 ? c.args[1]->as<StringLit>() : nullptr;
    ps.format = sep ? sep->value : " ";
    uint32_t id = uint32_t(spec.formats.size());
    ps.recordSize = 8 + contract::kJoinArgs * contract::kJoinArgSize;
    spec.formats.push_back(ps);
    RecordSite site = beginRecord(contract::EventKind::Join, B.getInt32(id), ps.recordSize);
    llvm::Value *rec = site.rec;
    llvm::Value *slot = allocI64("argp");
    for (uint32_t i = 0; i < contract::kJoinArgs; ++i) {
      llvm::Value *dst = bytePtr(rec, 8 + i * contract::kJoinArgSize);
      B.CreateStore(B.getInt8(0), dst);
      B.CreateStore(B.getInt64(0), slot);
      H.probeRead(B, slot, 8, B.CreateIntToPtr(B.CreateAdd(argv, B.getInt64(8 * i)), B.getPtrTy()),
                  HelperTarget::Space::Any);
      llvm::Value *p = B.CreateLoad(B.getInt64Ty(), slot);
      auto *read = llvm::BasicBlock::Create(C, "join.read", fn);
      auto *next = llvm::BasicBlock::Create(C, "join.next", fn);
      B.CreateCondBr(B.CreateIsNotNull(p), read, next);
      B.SetInsertPoint(read);
      H.probeReadStr(B, dst, contract::kJoinArgSize, B.CreateIntToPtr(p, B.getPtrTy()),
                     HelperTarget::Space::Any);
      B.CreateBr(next);
      B.SetInsertPoint(next);
    }
    endRecord(site);
    return B.getInt64(0);
  }
  if (n == "time") {
    const StringLit *fmt = c.args.empty() ? nullptr : c.args[0]->as<StringLit>();
    contract::PrintfSpec ps;
    ps.format = fmt ? fmt->value : "%H:%M:%S\n";
    uint32_t id = uint32_t(spec.formats.size());
    spec.formats.push_back(ps);
    emitEvent(contract::EventKind::Time, id);
    return B.getInt64(0);
  }
  if (n == "exit") {
    {
      // obs_exit[0] = 0x100 | status: the flag, and the exit status.
      llvm::Value *code = B.getInt64(0);
      if (!c.args.empty())
        if (llvm::Value *v = lowerExpr(c.args[0]); v && !v->getType()->isPointerTy())
          code = B.CreateAnd(v, B.getInt64(0xff));
      llvm::Value *p = fixedSlot(contract::kExitMap, 0);
      auto *set = llvm::BasicBlock::Create(C, "exit.set", fn);
      auto *sent = llvm::BasicBlock::Create(C, "exit.send", fn);
      B.CreateCondBr(B.CreateIsNotNull(p), set, sent);
      B.SetInsertPoint(set);
      B.CreateStore(B.CreateOr(code, B.getInt64(0x100)), p);
      B.CreateBr(sent);
      B.SetInsertPoint(sent);
    }
    emitEvent(contract::EventKind::Exit, 0);
    B.CreateBr(exitBlock);
    B.SetInsertPoint(llvm::BasicBlock::Create(C, "after.exit", fn));
    return B.getInt64(0);
  }
  if (n == "print" && !c.args.empty() && !c.args[0]->is<MapRef>()) {
    lowerPrintValue(e, c);
    return B.getInt64(0);
  }
  if (n == "print" || n == "clear" || n == "zero" || n == "delete" || n == "has_key" ||
      n == "len") {
    llvm::Value *v = lowerMapFunction(e, c);
    return v ? v : B.getInt64(0);
  }
  static const char *aggs[] = {"count", "sum", "avg", "min", "max", "stats", "hist", "lhist"};
  for (const char *a : aggs)
    if (n == a) {
      error(e.range, "'" + n + "' is an aggregation; assign it to a map");
      return nullptr;
    }
  error(c.nameRange, "function '" + n + "' is not lowered to BPF yet");
  return nullptr;
}

} // namespace obs::cg
