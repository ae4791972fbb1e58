//===- host_helpers.cpp - the host HelperTarget and host lowering ---------===//
//
// Where the BPF target emits `call HELPER_ID`, the host target emits a call
// to a function of host_runtime.cpp. Map arguments are the map globals while
// lowering; lowerToHostModule then replaces each global with a constant
// pointer to its HostMap, so a map call costs one hash lookup and no search
// for the map.
//
//===----------------------------------------------------------------------===//

#include "codegen/host/host_module.h"
#include "codegen/lowering.h"

#include <llvm/IR/DebugInfo.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/IntrinsicsBPF.h>

namespace obs {
namespace {

class HostHelpers final : public HelperTarget {
public:
  explicit HostHelpers(host::HostRuntime &rt) : rt_(rt) {}

private:
  llvm::Value *call(Builder &b, const char *name, llvm::Type *ret,
                    llvm::ArrayRef<llvm::Value *> args, bool withRuntime = true) {
    llvm::SmallVector<llvm::Value *, 6> all;
    if (withRuntime)
      all.push_back(runtime(b));
    all.append(args.begin(), args.end());
    llvm::SmallVector<llvm::Type *, 6> params;
    for (llvm::Value *a : all)
      params.push_back(a->getType());
    llvm::Module *m = b.GetInsertBlock()->getModule();
    auto callee = m->getOrInsertFunction(name, llvm::FunctionType::get(ret, params, false));
    return b.CreateCall(callee, all);
  }
  llvm::Value *runtime(Builder &b) {
    return b.CreateIntToPtr(b.getInt64(reinterpret_cast<uint64_t>(&rt_)), b.getPtrTy());
  }
  /// A field of the current event in the HostRuntime, loaded in place
  /// (the runtime does not move; the replay loop sets it before each run).
  template <typename T> llvm::Value *eventField(Builder &b, const T &field) {
    static_assert(sizeof(T) == 4 || sizeof(T) == 8, "a 32- or 64-bit field");
    llvm::Type *ty = sizeof(T) == 8 ? b.getInt64Ty() : b.getInt32Ty();
    llvm::Value *at = b.CreateIntToPtr(b.getInt64(reinterpret_cast<uint64_t>(&field)), b.getPtrTy());
    return b.CreateZExt(b.CreateLoad(ty, at), b.getInt64Ty());
  }
  llvm::Value *pair(Builder &b, llvm::Value *hi, llvm::Value *lo) {
    return b.CreateOr(b.CreateShl(hi, 32), lo);
  }
  llvm::Type *i64(Builder &b) { return b.getInt64Ty(); }
  llvm::Type *ptr(Builder &b) { return b.getPtrTy(); }

public:
  llvm::Value *mapLookup(Builder &b, llvm::Value *map, llvm::Value *key) override {
    return call(b, "obs_host_map_lookup", ptr(b), {map, key}, false);
  }
  llvm::Value *mapUpdate(Builder &b, llvm::Value *map, llvm::Value *key, llvm::Value *value,
                         uint64_t flags) override {
    return call(b, "obs_host_map_update", i64(b), {map, key, value, b.getInt64(flags)}, false);
  }
  llvm::Value *mapDelete(Builder &b, llvm::Value *map, llvm::Value *key) override {
    return call(b, "obs_host_map_delete", i64(b), {map, key}, false);
  }
  llvm::Value *getCurrentPidTgid(Builder &b) override {
    return pair(b, eventField(b, rt_.pid), eventField(b, rt_.tid));
  }
  llvm::Value *getCurrentUidGid(Builder &b) override {
    return pair(b, eventField(b, rt_.gid), eventField(b, rt_.uid));
  }
  llvm::Value *ktimeGetNs(Builder &b) override { return eventField(b, rt_.nowNs); }
  llvm::Value *getSmpProcessorId(Builder &b) override { return eventField(b, rt_.cpu); }
  llvm::Value *getCurrentCgroupId(Builder &b) override { return eventField(b, rt_.cgroup); }
  llvm::Value *getCurrentTask(Builder &b) override { return call(b, "obs_host_task", i64(b), {}); }
  llvm::Value *getStackId(Builder &b, llvm::Value *ctx, llvm::Value *stackMap,
                          bool user) override {
    return call(b, "obs_host_stack_id", i64(b), {b.getInt64(user)});
  }
  llvm::Value *getCurrentComm(Builder &b, llvm::Value *dst, uint32_t size) override {
    return call(b, "obs_host_comm", i64(b), {dst, b.getInt64(size)});
  }
  llvm::Value *probeRead(Builder &b, llvm::Value *dst, uint32_t size, llvm::Value *src,
                         Space space) override {
    return call(b, "obs_host_probe_read", i64(b), {dst, b.getInt64(size), src});
  }
  llvm::Value *probeReadStr(Builder &b, llvm::Value *dst, uint32_t size, llvm::Value *src,
                            Space space) override {
    return call(b, "obs_host_probe_read_str", i64(b), {dst, b.getInt64(size), src});
  }
  llvm::Value *probeReadVar(Builder &b, llvm::Value *dst, llvm::Value *size, llvm::Value *src,
                            Space space) override {
    return call(b, "obs_host_probe_read", i64(b), {dst, size, src});
  }
  // signal() in replay: nothing to signal (the events are recorded); the
  // call succeeds and does nothing.
  llvm::Value *sendSignal(Builder &b, llvm::Value *) override { return b.getInt64(0); }
  // No `override`: declared in HelperTarget by the map-iteration work.
  llvm::Value *forEachMapElem(Builder &b, llvm::Value *map, llvm::Function *callback,
                              llvm::Value *ctx) {
    return call(b, "obs_host_map_for_each", i64(b), {map, callback, ctx}, false);
  }
  llvm::Value *ringbufReserve(Builder &b, llvm::Value *ringbuf, uint32_t size) override {
    return call(b, "obs_host_ringbuf_reserve", ptr(b), {b.getInt64(size)});
  }
  void ringbufSubmit(Builder &b, llvm::Value *record) override {
    call(b, "obs_host_ringbuf_submit", b.getVoidTy(), {record});
  }
  llvm::Value *ringbufOutput(Builder &b, llvm::Value *ringbuf, llvm::Value *data,
                             uint32_t size) override {
    return call(b, "obs_host_ringbuf_output", i64(b), {data, b.getInt64(size)});
  }

private:
  host::HostRuntime &rt_;
};

// Map types of the fixed maps (maps.cpp's BPF_MAP_TYPE_* numbers).
enum : uint32_t { kArray = 2, kPercpuArray = 6, kStackTrace = 7, kRingbuf = 27 };

void bindGlobal(llvm::GlobalVariable *gv, host::HostMap &m) {
  llvm::LLVMContext &c = gv->getContext();
  auto *addr = llvm::ConstantInt::get(llvm::Type::getInt64Ty(c), reinterpret_cast<uint64_t>(&m));
  gv->replaceAllUsesWith(llvm::ConstantExpr::getIntToPtr(addr, gv->getType()));
  gv->eraseFromParent();
}

} // namespace

std::unique_ptr<HelperTarget> createHostHelpers(host::HostRuntime &rt) {
  return std::make_unique<HostHelpers>(rt);
}

bool lowerToHostModule(const CodegenInput &in, Diagnostics &diags, host::HostRuntime &rt,
                       const llvm::DataLayout &layout, const std::string &triple,
                       HostModule &out, int filterPid) {
  out.context = std::make_unique<llvm::LLVMContext>();
  out.module = std::make_unique<llvm::Module>("obs_host", *out.context);
  llvm::Module &m = *out.module;
  m.setTargetTriple(triple);
  m.setDataLayout(layout);
  CodegenOptions opts;
  opts.writeCombine = false; // simulated maps are read directly
  opts.debugInfo = false; // BTF-shaped DWARF means nothing on the host
  opts.filterPid = filterPid;
  auto helpers = createHostHelpers(rt);
  cg::Lowering lowering(m, *helpers, in, diags, opts, out.spec);
  if (!lowering.run())
    return false;

  // Script maps: one HostMap each, bound in place of the BPF map global.
  out.scriptMaps.assign(out.spec.maps.size(), nullptr);
  for (auto &[name, st] : lowering.maps) {
    const contract::MapSpec &ms = out.spec.maps[st.index];
    host::HostMap hm;
    hm.name = ms.name;
    hm.keySize = ms.keySize;
    hm.valueSize = ms.valueSize;
    hm.maxEntries = ms.maxEntries;
    hm.array = ms.isArray;
    hm.windowed = ms.windowed;
    hm.slots = ms.windowed && !ms.isArray ? ms.windowSlots : 0;
    hm.scriptIndex = int(st.index);
    host::HostMap &h = rt.addMap(std::move(hm));
    out.scriptMaps[st.index] = &h;
    if (st.gv)
      bindGlobal(st.gv, h);
  }
  for (auto &[name, f] : lowering.fixedMaps) {
    if (!f.gv)
      continue;
    host::HostMap hm;
    hm.name = name;
    hm.keySize = f.keySize ? f.keySize : 4;
    hm.valueSize = std::max<uint32_t>(f.valueSize, 8);
    hm.maxEntries = std::max<uint32_t>(f.maxEntries, 1);
    hm.ringbuf = f.type == kRingbuf;
    hm.array = f.type == kArray || f.type == kPercpuArray;
    if (name == contract::kScratchMap)
      hm.valueSize = std::max<uint32_t>(hm.valueSize, contract::kMaxScratchBytes);
    if (hm.ringbuf)
      hm.maxEntries = 0;
    host::HostMap &h = rt.addMap(std::move(hm));
    if (name == contract::kLateMap)
      out.lateMap = &h;
    bindGlobal(f.gv, h);
  }

  // BPF-only pieces: the verifier's passthrough is the identity here.
  std::vector<llvm::CallInst *> pass;
  for (llvm::Function &fn : m)
    for (llvm::BasicBlock &bb : fn)
      for (llvm::Instruction &i : bb)
        if (auto *ci = llvm::dyn_cast<llvm::CallInst>(&i))
          if (ci->getCalledFunction() &&
              ci->getCalledFunction()->getIntrinsicID() == llvm::Intrinsic::bpf_passthrough)
            pass.push_back(ci);
  for (llvm::CallInst *ci : pass) {
    ci->replaceAllUsesWith(ci->getArgOperand(1));
    ci->eraseFromParent();
  }
  llvm::StripDebugInfo(m);
  for (llvm::Function &fn : m)
    if (!fn.isDeclaration())
      fn.setSection("");
  return true;
}

} // namespace obs
