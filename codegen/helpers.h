//===- helpers.h - the helper calls lowering may make ---------------------===//
//
// Lowering never spells a BPF helper id: it calls this interface. The BPF
// target turns each call into `call HELPER_ID`; a host target (replay, obsc
// test) implements the same calls with simulated helpers, so one lowering
// serves both.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <llvm/IR/IRBuilder.h>

#include <memory>

namespace obs {

class HelperTarget {
public:
  using Builder = llvm::IRBuilder<>;
  virtual ~HelperTarget() = default;

  /// Pointer to the value for `key`, or null.
  virtual llvm::Value *mapLookup(Builder &b, llvm::Value *map, llvm::Value *key) = 0;
  /// 0 on success, a negative errno otherwise.
  virtual llvm::Value *mapUpdate(Builder &b, llvm::Value *map, llvm::Value *key,
                                 llvm::Value *value, uint64_t flags) = 0;
  virtual llvm::Value *mapDelete(Builder &b, llvm::Value *map, llvm::Value *key) = 0;

  virtual llvm::Value *getCurrentPidTgid(Builder &b) = 0; ///< tgid << 32 | pid
  virtual llvm::Value *getCurrentUidGid(Builder &b) = 0;  ///< gid << 32 | uid
  virtual llvm::Value *ktimeGetNs(Builder &b) = 0;
  virtual llvm::Value *getSmpProcessorId(Builder &b) = 0;
  virtual llvm::Value *getCurrentCgroupId(Builder &b) = 0;
  virtual llvm::Value *getCurrentTask(Builder &b) = 0;
  /// Id of the current kernel (or, with `user`, user) stack in `stackMap`.
  virtual llvm::Value *getStackId(Builder &b, llvm::Value *ctx, llvm::Value *stackMap,
                                  bool user) = 0;
  /// Writes the task's comm (NUL-terminated, `size` bytes) to `dst`.
  virtual llvm::Value *getCurrentComm(Builder &b, llvm::Value *dst, uint32_t size) = 0;

  /// Where a pointer points: Any uses the helpers that try both (x86-64).
  enum class Space { Kernel, User, Any };
  /// Bounded copies from kernel or user memory; the *Str forms stop at NUL
  /// and return the length including it.
  virtual llvm::Value *probeRead(Builder &b, llvm::Value *dst, uint32_t size,
                                 llvm::Value *src, Space space) = 0;
  virtual llvm::Value *probeReadStr(Builder &b, llvm::Value *dst, uint32_t size,
                                    llvm::Value *src, Space space) = 0;
  /// probeRead with a size known only at run time (an i64 the caller has
  /// bounded for the verifier: buf(p, n)).
  virtual llvm::Value *probeReadVar(Builder &b, llvm::Value *dst, llvm::Value *size,
                                    llvm::Value *src, Space space) = 0;
  /// Sends signal `sig` (an i64) to the current process (signal()).
  virtual llvm::Value *sendSignal(Builder &b, llvm::Value *sig) = 0;

  /// Calls `callback(map, key, value, ctx)` for every element; returns the
  /// number of elements visited. Null: the target cannot (len() reports it).
  virtual llvm::Value *forEachMapElem(Builder &b, llvm::Value *map, llvm::Function *callback,
                                      llvm::Value *ctx) {
    return nullptr;
  }
  /// Ring buffer: reserve (null on failure), submit, or copy out in one go.
  virtual llvm::Value *ringbufReserve(Builder &b, llvm::Value *ringbuf, uint32_t size) = 0;
  virtual void ringbufSubmit(Builder &b, llvm::Value *record) = 0;
  virtual llvm::Value *ringbufOutput(Builder &b, llvm::Value *ringbuf, llvm::Value *data,
                                     uint32_t size) = 0;
};

/// The kernel implementation: BPF helper calls by id.
std::unique_ptr<HelperTarget> createBpfHelpers();

} // namespace obs
