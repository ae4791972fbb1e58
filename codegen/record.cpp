//===- record.cpp - `obsc record`: one Record event per probe firing ------===//
//
// In record mode (CodegenOptions::record) every probe program, after the -p
// filter and before its predicate, emits one Record event: a
// contract::RecordHeader (program index, ktime - startNs, cpu, pid/tid,
// comm, cgroup, uid/gid, ppid), then what the replay needs to rebuild the probe's context:
//   tracepoint        the raw record (format size), kRecordDynBytes after it
//                     for `__data_loc` data, and each `char *` field's string
//   kprobe, uprobe    the six argument registers
//   kretprobe, ...    the return value
//   fentry, fexit     the arguments (and fexit's return value)
//   usdt              the site's argument values
//   profile, interval, software, hardware, rawtracepoint: the header only
// The layout goes to ProgramSpec::record; user space
// (tools/obsc/record_command.cpp) decodes it into replay events.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering.h"
#include "codegen/record.h"

#include <llvm/IR/Dominators.h>

#include <cstring>

namespace obs::cg {

namespace {
constexpr uint32_t kRegs[] = {112, 104, 96, 88, 72, 64}; // x86-64 pt_regs args
constexpr uint32_t kRegAx = 80;
} // namespace

void Lowering::emitRecord(contract::ProgramSpec &ps) {
  using AK = contract::AttachKind;
  contract::RecordLayout &L = ps.record;
  uint32_t at = contract::kRecordPayload;
  const Type *format = nullptr;
  std::vector<std::pair<uint32_t, uint32_t>> strings;
  int fargs = -1;
  if (!usdtArgs.empty()) {
    L.words = uint32_t(std::min<size_t>(usdtArgs.size(), 12));
  } else {
    switch (ps.kind) {
    case AK::Kprobe:
    case AK::Uprobe:
      L.words = 6;
      break;
    case AK::Kretprobe:
    case AK::Uretprobe:
      L.retval = true;
      break;
    case AK::Fentry:
    case AK::Fexit:
      fargs = in.functionArgCount ? in.functionArgCount(ps.func) : -1;
      L.words = fargs > 0 ? uint32_t(std::min(fargs, 12)) : 0;
      L.retval = ps.kind == AK::Fexit && fargs >= 0;
      break;
    case AK::Tracepoint:
      format = in.tracepointFormat ? in.tracepointFormat(ps.target, ps.func) : nullptr;
      if (format && format->size)
        L.rawBytes = format->size;
      break;
    default:
      break;
    }
  }
  at += 8 * L.words + (L.retval ? 8 : 0);
  bool dyn = false;
  if (L.rawBytes) {
    at += L.rawBytes;
    for (const Field &f : format->recordFields()) {
      const Type *t = f.type;
      if (!t)
        continue;
      if ((t->kind == TypeKind::String || t->kind == TypeKind::Buffer) && t->size == 0)
        dyn = true;
      if (t->kind == TypeKind::Pointer && t->pointee && t->pointee->kind == TypeKind::Integer &&
          t->pointee->bits == 8 && f.offset + 8 <= format->size) {
        strings.push_back({f.offset, 0});
      }
    }
    if (dyn)
      at += contract::kRecordDynBytes;
    for (auto &s : strings) {
      s.second = at;
      at += contract::kRecordStringSize;
    }
  }
  L.strings = strings;
  L.size = align8(at);

  // The event's time, read once: shareRecordTime() makes the body use it too.
  recordNow = H.ktimeGetNs(B);
  RecordSite site = beginRecord(contract::EventKind::Record,
                                B.getInt32(uint32_t(spec.programs.size())), L.size);
  llvm::Value *rec = site.rec;
  B.CreateStore(B.CreateSub(recordNow, loadStartNs()), bytePtr(rec, 8));
  B.CreateStore(H.getCurrentPidTgid(B), bytePtr(rec, 16));
  B.CreateStore(B.CreateTrunc(H.getSmpProcessorId(B), B.getInt32Ty()), bytePtr(rec, 24));
  B.CreateStore(B.getInt32(0), bytePtr(rec, 28));
  H.getCurrentComm(B, bytePtr(rec, 32), 16);
  B.CreateStore(H.getCurrentCgroupId(B), bytePtr(rec, 48));
  B.CreateStore(H.getCurrentUidGid(B), bytePtr(rec, 56)); // uid, then gid
  // ppid: current->real_parent->tgid, read through the record's own bytes.
  B.CreateStore(B.getInt64(0), bytePtr(rec, 64));
  const Type *task = in.record ? in.record("struct task_struct") : nullptr;
  const Field *parent = task ? task->field("real_parent") : nullptr;
  const Field *tgid = task ? task->field("tgid") : nullptr;
  if (parent && tgid) {
    llvm::Value *slot = bytePtr(rec, 64);
    H.probeRead(B, slot, 8,
                B.CreateIntToPtr(B.CreateAdd(H.getCurrentTask(B), B.getInt64(parent->offset)),
                                 B.getPtrTy()),
                HelperTarget::Space::Kernel);
    llvm::Value *par = B.CreateLoad(B.getInt64Ty(), slot);
    B.CreateStore(B.getInt64(0), slot);
    H.probeRead(B, slot, 4,
                B.CreateIntToPtr(B.CreateAdd(par, B.getInt64(tgid->offset)), B.getPtrTy()),
                HelperTarget::Space::Kernel);
  }
  uint32_t off = contract::kRecordPayload;
  for (uint32_t i = 0; i < L.words; ++i, off += 8) {
    llvm::Value *v = nullptr;
    if (!usdtArgs.empty())
      v = usdtArg(usdtArgs[i]);
    else if (ps.kind == AK::Kprobe || ps.kind == AK::Uprobe)
      v = B.CreateLoad(B.getInt64Ty(), bytePtr(ctx, kRegs[i]));
    else
      v = B.CreateLoad(B.getInt64Ty(), bytePtr(ctx, 8 * i));
    if (!v)
      v = B.getInt64(0);
    if (v->getType() != B.getInt64Ty())
      v = B.CreateSExtOrTrunc(v, B.getInt64Ty());
    B.CreateStore(v, bytePtr(rec, off));
  }
  if (L.retval) {
    llvm::Value *v = (ps.kind == AK::Fexit)
                         ? B.CreateLoad(B.getInt64Ty(), bytePtr(ctx, 8 * uint32_t(fargs)))
                         : B.CreateLoad(B.getInt64Ty(), bytePtr(ctx, kRegAx));
    B.CreateStore(v, bytePtr(rec, off));
    off += 8;
  }
  if (L.rawBytes) {
    H.probeRead(B, bytePtr(rec, off), L.rawBytes, ctx, HelperTarget::Space::Kernel);
    if (dyn)
      H.probeRead(B, bytePtr(rec, off + L.rawBytes), contract::kRecordDynBytes,
                  bytePtr(ctx, L.rawBytes), HelperTarget::Space::Kernel);
    // System-call tracepoints point into the process; the others into the
    // kernel.
    auto space = ps.target == "syscalls" ? HelperTarget::Space::User : HelperTarget::Space::Kernel;
    for (const auto &s : L.strings) {
      llvm::Value *p = B.CreateLoad(B.getInt64Ty(), bytePtr(ctx, s.first));
      B.CreateStore(B.getInt8(0), bytePtr(rec, s.second));
      H.probeReadStr(B, bytePtr(rec, s.second), contract::kRecordStringSize,
                     B.CreateIntToPtr(p, B.getPtrTy()), space);
    }
  }
  endRecord(site);
}

void Lowering::shareRecordTime() {
  // Every later bpf_ktime_get_ns() of the program is the record's: the
  // windowed slot, nsecs and elapsed then see the `ts` replay will see, and
  // an event close to a window boundary lands in the same window in both.
  auto *now = llvm::dyn_cast_or_null<llvm::CallInst>(recordNow);
  recordNow = nullptr;
  if (!now)
    return;
  llvm::DominatorTree dt(*fn);
  std::vector<llvm::CallInst *> same;
  for (llvm::BasicBlock &bb : *fn)
    for (llvm::Instruction &i : bb)
      if (auto *c = llvm::dyn_cast<llvm::CallInst>(&i))
        if (c != now && c->arg_empty() && c->getCalledOperand() == now->getCalledOperand() &&
            dt.dominates(now, c))
          same.push_back(c);
  for (llvm::CallInst *c : same) {
    c->replaceAllUsesWith(now);
    c->eraseFromParent();
  }
}

} // namespace obs::cg

//===-- User space: Record events to replay events ------------------------===//


namespace obs {

std::string recordProbeName(const contract::ProgramSpec &ps) {
  using AK = contract::AttachKind;
  switch (ps.kind) {
  case AK::Tracepoint: return "tracepoint:" + ps.target + ":" + ps.func;
  case AK::RawTracepoint: return "rawtracepoint:" + ps.func;
  case AK::Kprobe: return "kprobe:" + ps.func;
  case AK::Kretprobe: return "kretprobe:" + ps.func;
  case AK::Fentry: return "fentry:" + ps.func;
  case AK::Fexit: return "fexit:" + ps.func;
  case AK::Uprobe:
    if (ps.probe.rfind("usdt", 0) == 0)
      return ps.probe;
    return "uprobe:" + ps.target + ":" + ps.func;
  case AK::Uretprobe: return "uretprobe:" + ps.target + ":" + ps.func;
  default: return ps.probe;
  }
}

namespace {
int64_t readInt(const uint8_t *p, uint32_t size, bool isSigned) {
  switch (size) {
  case 1: { int8_t s; uint8_t u; std::memcpy(&u, p, 1); s = int8_t(u); return isSigned ? s : u; }
  case 2: { uint16_t u; std::memcpy(&u, p, 2); return isSigned ? int64_t(int16_t(u)) : u; }
  case 4: { uint32_t u; std::memcpy(&u, p, 4); return isSigned ? int64_t(int32_t(u)) : u; }
  default: { uint64_t u = 0; std::memcpy(&u, p, std::min<uint32_t>(size, 8)); return int64_t(u); }
  }
}
std::string readString(const uint8_t *p, size_t cap) {
  const char *s = reinterpret_cast<const char *>(p);
  return std::string(s, strnlen(s, cap));
}
} // namespace

bool decodeRecord(const contract::ObjectSpec &spec, const std::vector<const Type *> &formats,
                  const uint8_t *rec, size_t size, replay::ReplayEvent &ev, std::string &error) {
  ev.reset();
  contract::RecordHeader h;
  if (size < sizeof h) {
    error = "a record of " + std::to_string(size) + " bytes is shorter than its header";
    return false;
  }
  std::memcpy(&h, rec, sizeof h);
  if (h.h.id >= spec.programs.size()) {
    error = "a record of program " + std::to_string(h.h.id) + ", which does not exist";
    return false;
  }
  const contract::ProgramSpec &ps = spec.programs[h.h.id];
  const contract::RecordLayout &L = ps.record;
  if (size < L.size) {
    error = "a record of " + ps.probe + " is " + std::to_string(size) + " bytes, not " +
            std::to_string(L.size);
    return false;
  }
  ev.probe = recordProbeName(ps);
  ev.ts = int64_t(h.ts) < 0 ? 0 : h.ts; // fired before the origin was taken
  ev.cpu = h.cpu;
  ev.pid = uint32_t(h.pidTgid >> 32);
  ev.tid = uint32_t(h.pidTgid);
  ev.comm = readString(reinterpret_cast<const uint8_t *>(h.comm), sizeof h.comm);
  ev.cgroup = h.cgroup;
  ev.uid = h.uid;
  ev.gid = h.gid;
  ev.ppid = h.ppid;
  uint32_t off = contract::kRecordPayload;
  for (uint32_t i = 0; i < L.words; ++i, off += 8) {
    replay::ReplayArg a;
    a.value.i = readInt(rec + off, 8, true);
    ev.args.push_back(std::move(a));
  }
  ev.positionalArgs = L.words > 0;
  if (L.retval) {
    ev.hasRetval = true;
    ev.retval = readInt(rec + off, 8, true);
    off += 8;
  }
  const Type *format = h.h.id < formats.size() ? formats[h.h.id] : nullptr;
  if (!L.rawBytes || !format)
    return true;
  // The raw record with the __data_loc bytes after it, as the kernel had it.
  const uint8_t *raw = rec + off;
  size_t rawAll = size - off;
  for (const Field &f : format->recordFields()) {
    const Type *t = f.type;
    if (!t || f.offset >= L.rawBytes)
      continue;
    replay::ReplayArg a;
    a.name = f.name;
    replay::ReplayValue &v = a.value;
    uint32_t room = L.rawBytes - f.offset;
    if ((t->kind == TypeKind::String || t->kind == TypeKind::Buffer) && t->size == 0) {
      if (room < 4)
        continue;
      uint32_t loc = uint32_t(readInt(raw + f.offset, 4, false));
      uint32_t at = loc & 0xffff, len = loc >> 16;
      v.kind = replay::ReplayValue::Kind::String;
      if (at < rawAll)
        v.s = readString(raw + at, std::min<size_t>(len, rawAll - at));
    } else if (t->kind == TypeKind::String) {
      v.kind = replay::ReplayValue::Kind::String;
      v.s = readString(raw + f.offset, std::min<uint32_t>(t->size, room));
    } else if (t->kind == TypeKind::Array) {
      uint32_t n = t->count ? t->count : 1;
      uint32_t es = t->size / n;
      bool sg = t->pointee && t->pointee->isSigned;
      v.kind = replay::ReplayValue::Kind::IntArray;
      for (uint32_t i = 0; i < n && (i + 1) * es <= room; ++i)
        v.array.push_back(readInt(raw + f.offset + i * es, es, sg));
    } else if (t->kind == TypeKind::Integer) {
      uint32_t bytes = t->bits ? t->bits / 8 : 8;
      if (bytes > room)
        continue;
      v.i = readInt(raw + f.offset, bytes, t->isSigned);
    } else {
      if (room < 8)
        continue;
      v.i = readInt(raw + f.offset, 8, false);
      // A `char *` captured as a string: replay's str() reads it back.
      for (const auto &s : L.strings)
        if (s.first == f.offset && v.i != 0 && s.second + contract::kRecordStringSize <= size) {
          v.kind = replay::ReplayValue::Kind::String;
          v.s = readString(rec + s.second, contract::kRecordStringSize);
        }
    }
    ev.args.push_back(std::move(a));
  }
  return true;
}

} // namespace obs
