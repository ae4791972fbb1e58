//===- host_runtime.h - simulated BPF maps and helpers for host code ------===//
//
// Probe bodies lowered for the host (host_helpers.cpp) call these functions
// where the BPF target calls kernel helpers: map lookup/update/delete on
// host hash maps keyed by bytes, pid/comm/time/cpu from the current replay
// event, bounded reads from the memory the event was laid out in, and the
// ring buffer, whose records are handed to a sink (printf decoding as live).
// Each HostMap and the HostRuntime are passed to the code as constant
// pointers: no global state, so two programs can run side by side.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/window/key_table.h"
#include "runtime/window/partials.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace obs::host {

class HostRuntime;

/// One map of the program (script map or fixed map), single CPU. Hash
/// maps intern their keys in a KeyTable (open addressing, dense ids in
/// order of first insertion, so iteration is deterministic); a deleted
/// entry keeps its id and is marked absent.
struct HostMap {
  struct Entry {
    std::unique_ptr<uint64_t[]> value;
    obs_exemplar exemplar{}; ///< windowed maps: the latest event to touch it
    bool present = false;
  };
  std::string name;
  uint32_t keySize = 4, valueSize = 8, maxEntries = 1;
  bool array = false;       ///< BPF array: keys 0..maxEntries-1 always exist
  bool ringbuf = false;
  bool windowed = false;
  int scriptIndex = -1;     ///< index in ObjectSpec::maps
  HostRuntime *rt = nullptr;
  /// Windowed count/rate maps an alert compares with a constant: the
  /// exemplar is the event that takes the slot's count past this (spec
  /// §10.5), frozen after; -1: the latest event.
  int64_t exemplarThreshold = -1;
  uint64_t everyNs = 0; ///< windowed: slot length
  std::unique_ptr<window::KeyTable> keys; ///< hash maps
  std::vector<Entry> slots; ///< by key id (hash maps) or index (arrays)
  uint32_t live = 0;        ///< present entries of a hash map

  uint32_t words() const { return (valueSize + 7) / 8 + 1; }
  Entry *find(const void *key);
  /// 0, or -EEXIST / -ENOENT / -E2BIG like the kernel.
  int update(const void *key, const void *value, uint64_t flags);
  int remove(const void *key);
  /// Marks entry `id` absent.
  void erase(uint32_t id);
  void clear();
  /// The key bytes of entry `id` (hash maps), its index (arrays).
  const uint8_t *keyOf(uint32_t id) const;
};

/// A readable range of simulated kernel or user memory.
struct MemRange {
  uintptr_t begin = 0, end = 0;
};

class HostRuntime {
public:
  HostRuntime();
  HostRuntime(const HostRuntime &) = delete;
  HostRuntime &operator=(const HostRuntime &) = delete;

  HostMap &addMap(HostMap m);
  std::vector<std::unique_ptr<HostMap>> &maps() { return maps_; }

  // The current event, set before each probe body runs.
  uint64_t nowNs = 0;
  uint32_t pid = 0, tid = 0, uid = 0, gid = 0, cpu = 0, ppid = 0;
  uint64_t cgroup = 0;
  char comm[16] = {};
  /// Memory probe_read may copy from; everything else reads as zeros.
  std::vector<MemRange> readable;
  /// A stand-in task_struct for curtask/ppid: real_parent points to a
  /// parent record whose tgid is the event's ppid (offsets from BTF).
  std::vector<uint8_t> task, parentTask;
  uint32_t realParentOffset = 0, tgidOffset = 0;
  bool hasTaskLayout = false;
  void setTaskLayout(uint32_t taskSize, uint32_t realParentOff, uint32_t tgidOff);
  /// Sets comm and the stand-in task for the current event.
  void setEventContext(std::string_view comm, uint32_t ppid);

  /// Records submitted to the ring buffer (kind, id, whole record).
  std::function<void(const uint8_t *record, size_t size)> ringbufSink;

  /// The functions the host code calls, by symbol name, for the JIT.
  static std::vector<std::pair<std::string, void *>> symbols();

  // Ring buffer scratch (one record is in flight at a time).
  std::vector<uint64_t> reserveBuf;
  size_t reserveSize = 0;

  uint64_t readsZeroed = 0; ///< probe reads outside simulated memory

private:
  std::vector<std::unique_ptr<HostMap>> maps_;
};

} // namespace obs::host
