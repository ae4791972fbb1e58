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

#include "runtime/window/partials.h"

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace obs::host {

class HostRuntime;

/// One map of the program (script map or fixed map), single CPU. Entries
/// have dense ids in order of first insertion (iteration is deterministic);
/// a deleted entry keeps its id and is marked absent. Entries live in
/// chunks that never move (a looked-up value stays valid, as in the
/// kernel): a word that says whether the entry is present, the key (hash
/// maps), the value, the exemplar (windowed maps), so that finding a key
/// and using its value touch one or two cache lines. The hash index is
/// open-addressed, 8 bytes a slot (hash bits and id), so it stays cached.
///
/// Windowed maps (`slots` > 0) are keyed by the user key plus a uint64 slot
/// index below `slots` in their last 8 bytes. Their entries come in groups:
/// a user key's first use gives it `slots` consecutive ids, one per slot
/// index, and the index holds the group, found by the user key alone. So
/// the index has one slot per user key (1000 keys: 16 KB) rather than one
/// per key and slot, and a lookup touches the entry it returns and a cached
/// index line.
struct HostMap {
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
  /// Windowed maps an alert reads keep exemplars; others neither copy nor
  /// hold them (set with keepExemplars).
  bool exemplars = true;
  uint64_t everyNs = 0; ///< windowed: slot length
  uint32_t slots = 0;   ///< windowed hash maps: slot indexes (grouped ids)
  uint32_t live = 0;    ///< present entries of a hash map

  static constexpr uint32_t kNone = UINT32_MAX;

  /// Value words (one spare, as the value of a BPF map is 8-aligned).
  uint32_t words() const { return (valueSize + 7) / 8 + 1; }
  /// Ids given so far (present or not); arrays: maxEntries.
  uint32_t ids() const { return count_; }
  bool present(uint32_t id) const { return entry(id)[0] != 0; }
  uint64_t *value(uint32_t id) { return entry(id) + 1 + keyWordCount_; }
  const uint64_t *value(uint32_t id) const { return entry(id) + 1 + keyWordCount_; }
  /// Windowed maps: the latest event to touch entry `id` (spec §10.5).
  obs_exemplar &exemplar(uint32_t id) {
    return *reinterpret_cast<obs_exemplar *>(entry(id) + exemplarAt_);
  }
  /// The entry of a present key: its value and exemplar (valueAt,
  /// exemplarAt), or null.
  uint64_t *findEntry(const void *key) const;
  uint64_t *valueAt(uint64_t *e) const { return e + 1 + keyWordCount_; }
  obs_exemplar &exemplarAt(uint64_t *e) const {
    return *reinterpret_cast<obs_exemplar *>(e + exemplarAt_);
  }
  /// The slot sequence number (slot + 1) of time `now`, kept for the slot.
  uint64_t seqAt(uint64_t now) {
    if (now - seqFrom_ >= everyNs) {
      seq_ = now / everyNs + 1;
      seqFrom_ = (seq_ - 1) * everyNs;
    }
    return seq_;
  }
  /// The id of a present entry, or kNone.
  uint32_t find(const void *key) const {
    if (array) {
      uint32_t i;
      std::memcpy(&i, key, 4);
      return i < count_ ? i : kNone;
    }
    uint32_t id = lookupId(key);
    return id != kNone && present(id) ? id : kNone;
  }
  /// 0, or -EEXIST / -ENOENT / -E2BIG like the kernel.
  int update(const void *key, const void *value, uint64_t flags);
  int remove(const void *key);
  /// Marks entry `id` absent.
  void erase(uint32_t id);
  void clear();
  /// The key bytes of entry `id` (hash maps), its index (arrays).
  const uint8_t *keyOf(uint32_t id) const;
  /// Called once the configuration above is set (HostRuntime::addMap).
  void init();
  /// Sets `exemplars` before the first entry: the entries get room for an
  /// exemplar only when kept.
  void keepExemplars(bool on) {
    if (on != exemplars && (array || count_ == 0)) {
      exemplars = on;
      init();
    }
  }

private:
  /// Index slot: high hash bits and the id; kNone when empty.
  struct Slot {
    uint32_t tag;
    uint32_t id;
  };
  static constexpr uint32_t kChunkBits = 8; ///< entries per chunk: 256

  uint64_t *entry(uint32_t id) const {
    return chunks_[id >> kChunkBits].get() + size_t(id & ((1u << kChunkBits) - 1)) * stride_;
  }
  /// The first 16 of the key's hashed bytes (all but a grouped map's slot
  /// index), zero padded (fixed-size copies for the usual sizes, so no call
  /// to memcpy).
  void keyWords(const void *key, uint64_t &k0, uint64_t &k1) const {
    const auto *p = static_cast<const uint8_t *>(key);
    k0 = k1 = 0;
    switch (hashSize_) {
    case 4: {
      uint32_t w;
      std::memcpy(&w, p, 4);
      k0 = w;
      return;
    }
    case 8: std::memcpy(&k0, p, 8); return;
    case 16:
      std::memcpy(&k0, p, 8);
      std::memcpy(&k1, p + 8, 8);
      return;
    default:
      if (hashSize_ >= 16) {
        std::memcpy(&k0, p, 8);
        std::memcpy(&k1, p + 8, 8);
        return;
      }
      std::memcpy(&k0, p, hashSize_ < 8 ? hashSize_ : 8);
      if (hashSize_ > 8)
        std::memcpy(&k1, p + 8, hashSize_ - 8);
    }
  }
  /// A grouped map's slot index in `key` (kNone when out of range).
  uint32_t slotOf(const void *key) const {
    uint64_t s;
    std::memcpy(&s, static_cast<const uint8_t *>(key) + keySize - 8, 8);
    return s < slots ? uint32_t(s) : kNone;
  }
  /// Index entries: user keys of a grouped map, keys of other hash maps.
  uint32_t indexed() const { return slots ? count_ / slots : count_; }
  uint64_t hashOf(const void *key, uint64_t k0, uint64_t k1) const;
  /// The index slot a hash starts from, and the bits kept to tell keys apart.
  size_t home(uint64_t h) const { return size_t(h >> shift_); }
  static uint32_t tagOf(uint64_t h) { return uint32_t(h) ^ uint32_t(h >> 32); }
  /// The id of `key` in the index (present or not), or kNone.
  uint32_t lookupId(const void *key) const;
  /// lookupId, `at` set to the entry found: keys of up to 16 hashed bytes
  /// (Short), of more (probeLong, not inlined).
  template <bool Short> uint32_t probe(const void *key, uint64_t *&at) const;
  uint32_t probeLong(const void *key, uint64_t *&at) const;
  /// A new id for `key` (not in the index), its entry absent and zero.
  uint32_t addId(const void *key);
  void grow();

  std::vector<std::unique_ptr<uint64_t[]>> chunks_;
  std::vector<Slot> index_; ///< hash maps: power-of-two size
  uint32_t shift_ = 58;     ///< 64 - log2(index_.size())
  uint64_t seqFrom_ = 0, seq_ = 1; ///< seqAt's slot: its start and seq
  uint32_t count_ = 0;
  uint32_t keyWordCount_ = 0; ///< key words in an entry (0 for arrays)
  uint32_t hashSize_ = 0;     ///< key bytes hashed and compared
  uint32_t exemplarAt_ = 0;   ///< word of the exemplar in an entry
  uint32_t stride_ = 2;       ///< words per entry
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
