//===- helpers.cpp - BPF helper calls -------------------------------------===//
//
// A helper call in BPF IR is a call through a constant address equal to the
// helper id; the BPF backend emits `call ID` for it.
//
//===----------------------------------------------------------------------===//

#include "codegen/helpers.h"

namespace obs {
namespace {

// From include/uapi/linux/bpf.h (enum bpf_func_id).
enum HelperId : uint64_t {
  MapLookupElem = 1,
  MapUpdateElem = 2,
  MapDeleteElem = 3,
  ProbeRead = 4,
  KtimeGetNs = 5,
  GetSmpProcessorId = 8,
  GetCurrentPidTgid = 14,
  GetCurrentUidGid = 15,
  GetCurrentComm = 16,
  GetStackId = 27,
  GetCurrentTask = 35,
  ProbeReadStr = 45,
  GetCurrentCgroupId = 80,
  SendSignal = 109,
  ProbeReadUser = 112,
  ProbeReadKernel = 113,
  ProbeReadUserStr = 114,
  ProbeReadKernelStr = 115,
  RingbufOutput = 130,
  RingbufReserve = 131,
  RingbufSubmit = 132,
  ForEachMapElem = 164,
};

class BpfHelpers final : public HelperTarget {
  llvm::Value *call(Builder &b, HelperId id, llvm::Type *ret,
                    llvm::ArrayRef<llvm::Value *> args) {
    llvm::SmallVector<llvm::Type *, 5> params;
    for (llvm::Value *a : args)
      params.push_back(a->getType());
    auto *fty = llvm::FunctionType::get(ret, params, false);
    llvm::Value *callee = b.CreateIntToPtr(b.getInt64(id), b.getPtrTy());
    return b.CreateCall(fty, callee, args);
  }
  llvm::Type *i64(Builder &b) { return b.getInt64Ty(); }
  llvm::Type *ptr(Builder &b) { return b.getPtrTy(); }

public:
  llvm::Value *mapLookup(Builder &b, llvm::Value *map, llvm::Value *key) override {
    return call(b, MapLookupElem, ptr(b), {map, key});
  }
  llvm::Value *mapUpdate(Builder &b, llvm::Value *map, llvm::Value *key, llvm::Value *value,
                         uint64_t flags) override {
    return call(b, MapUpdateElem, i64(b), {map, key, value, b.getInt64(flags)});
  }
  llvm::Value *mapDelete(Builder &b, llvm::Value *map, llvm::Value *key) override {
    return call(b, MapDeleteElem, i64(b), {map, key});
  }
  llvm::Value *getCurrentPidTgid(Builder &b) override {
    return call(b, GetCurrentPidTgid, i64(b), {});
  }
  llvm::Value *getCurrentUidGid(Builder &b) override {
    return call(b, GetCurrentUidGid, i64(b), {});
  }
  llvm::Value *ktimeGetNs(Builder &b) override { return call(b, KtimeGetNs, i64(b), {}); }
  llvm::Value *getSmpProcessorId(Builder &b) override {
    return call(b, GetSmpProcessorId, i64(b), {});
  }
  llvm::Value *getCurrentCgroupId(Builder &b) override {
    return call(b, GetCurrentCgroupId, i64(b), {});
  }
  llvm::Value *getCurrentTask(Builder &b) override {
    return call(b, GetCurrentTask, i64(b), {});
  }
  llvm::Value *getStackId(Builder &b, llvm::Value *ctx, llvm::Value *stackMap,
                          bool user) override {
    constexpr uint64_t kUserStack = 1u << 8; // BPF_F_USER_STACK
    return call(b, GetStackId, i64(b), {ctx, stackMap, b.getInt64(user ? kUserStack : 0)});
  }
  llvm::Value *getCurrentComm(Builder &b, llvm::Value *dst, uint32_t size) override {
    return call(b, GetCurrentComm, i64(b), {dst, b.getInt64(size)});
  }
  llvm::Value *probeRead(Builder &b, llvm::Value *dst, uint32_t size, llvm::Value *src,
                         Space space) override {
    HelperId id = space == Space::User     ? ProbeReadUser
                  : space == Space::Kernel ? ProbeReadKernel
                                           : ProbeRead;
    return call(b, id, i64(b), {dst, b.getInt64(size), src});
  }
  llvm::Value *probeReadStr(Builder &b, llvm::Value *dst, uint32_t size, llvm::Value *src,
                            Space space) override {
    HelperId id = space == Space::User     ? ProbeReadUserStr
                  : space == Space::Kernel ? ProbeReadKernelStr
                                           : ProbeReadStr;
    return call(b, id, i64(b), {dst, b.getInt64(size), src});
  }
  llvm::Value *probeReadVar(Builder &b, llvm::Value *dst, llvm::Value *size, llvm::Value *src,
                            Space space) override {
    HelperId id = space == Space::User     ? ProbeReadUser
                  : space == Space::Kernel ? ProbeReadKernel
                                           : ProbeRead;
    return call(b, id, i64(b), {dst, size, src});
  }
  llvm::Value *sendSignal(Builder &b, llvm::Value *sig) override {
    // bpf_send_signal(u32 sig): the whole process, as bpftrace's signal().
    return call(b, SendSignal, i64(b), {sig});
  }
  llvm::Value *forEachMapElem(Builder &b, llvm::Value *map, llvm::Function *callback,
                              llvm::Value *ctx) override {
    return call(b, ForEachMapElem, i64(b), {map, callback, ctx, b.getInt64(0)});
  }
  llvm::Value *ringbufReserve(Builder &b, llvm::Value *ringbuf, uint32_t size) override {
    return call(b, RingbufReserve, ptr(b), {ringbuf, b.getInt64(size), b.getInt64(0)});
  }
  void ringbufSubmit(Builder &b, llvm::Value *record) override {
    call(b, RingbufSubmit, b.getVoidTy(), {record, b.getInt64(0)});
  }
  llvm::Value *ringbufOutput(Builder &b, llvm::Value *ringbuf, llvm::Value *data,
                             uint32_t size) override {
    return call(b, RingbufOutput, i64(b), {ringbuf, data, b.getInt64(size), b.getInt64(0)});
  }
};

} // namespace

std::unique_ptr<HelperTarget> createBpfHelpers() { return std::make_unique<BpfHelpers>(); }

} // namespace obs
