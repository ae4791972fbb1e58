//===- host_runtime.cpp - simulated BPF maps and helpers for host code ----===//

#include "codegen/host/host_runtime.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace obs::host {

namespace {
constexpr uint64_t kNoExist = 1, kExist = 2; // BPF_NOEXIST, BPF_EXIST

/// Entry e of windowed map m was looked up by the current event: its
/// exemplar, when kept, is the event (spec §10.5).
void touch(HostMap &m, uint64_t *e) {
  const HostRuntime &rt = *m.rt;
  obs_exemplar &x = m.exemplarAt(e);
  const uint64_t *value = m.valueAt(e);
  uint32_t crossed = 0;
  if (m.exemplarThreshold >= 0 && m.everyNs) {
    // The slot this event folds into; the count before it, if the entry
    // already holds that slot.
    uint64_t seq = m.seqAt(rt.nowNs);
    bool same = value[0] == seq;
    if (same && x.crossed)
      return; // frozen at the crossing
    uint64_t before = same ? value[1] : 0;
    crossed = before == uint64_t(m.exemplarThreshold);
  }
  x.crossed = crossed;
  x.ts = rt.nowNs;
  x.cgroup = rt.cgroup;
  x.pid = rt.pid;
  x.tid = rt.tid;
  x.ppid = rt.ppid;
  x.uid = rt.uid;
  x.gid = rt.gid;
  x.cpu = rt.cpu;
  x.kstack_id = -1;
  x.ustack_id = -1;
  std::memcpy(x.comm, rt.comm, sizeof x.comm);
}

bool readableAt(const HostRuntime &rt, uintptr_t p, size_t n) {
  for (const MemRange &r : rt.readable)
    if (p >= r.begin && p <= r.end && n <= r.end - p)
      return true;
  return false;
}
/// Bytes readable from p on (within one range), 0 when none.
size_t readableFrom(const HostRuntime &rt, uintptr_t p) {
  for (const MemRange &r : rt.readable)
    if (p >= r.begin && p < r.end)
      return r.end - p;
  return 0;
}
} // namespace

void HostMap::init() {
  static_assert(sizeof(obs_exemplar) % 8 == 0, "exemplars are whole words");
  keyWordCount_ = array ? 0 : (keySize + 7) / 8;
  if (array || keySize < 8)
    slots = 0;
  hashSize_ = slots ? keySize - 8 : keySize;
  // The slot index is word aligned in the kernel's key (contract.h); if it
  // were not, the words compared would include it.
  if (slots && hashSize_ % 8)
    slots = 0, hashSize_ = keySize;
  exemplarAt_ = 1 + keyWordCount_ + words();
  stride_ = exemplarAt_ + (windowed && exemplars ? uint32_t(sizeof(obs_exemplar) / 8) : 0);
  count_ = 0;
  chunks_.clear();
  if (array) {
    uint32_t n = std::max<uint32_t>(1, maxEntries);
    for (uint32_t i = 0; i < n; ++i)
      entry(addId(&i))[0] = 1;
  } else {
    index_.assign(64, Slot{0, kNone});
    shift_ = 64 - 6;
  }
}

namespace {
/// The bytes of a key after its first 16, mixed into h.
[[gnu::noinline]] uint64_t mixTail(uint64_t h, const uint8_t *p, uint32_t keySize) {
  for (uint32_t i = 16; i < keySize; i += 8, p += 8) {
    uint64_t w = 0;
    std::memcpy(&w, p, std::min<uint32_t>(8, keySize - i));
    h = (h ^ w) * 0x94d049bb133111ebULL;
  }
  return h;
}
} // namespace

/// Multiplicative hashing: the index slot is the product's top bits (home),
/// which depend on every bit of the key; one multiply for keys of a word.
inline uint64_t HostMap::hashOf(const void *key, uint64_t k0, uint64_t k1) const {
  uint64_t h = k0;
  if (hashSize_ > 8)
    h ^= k1 * 0x9e3779b97f4a7c15ULL + (k1 >> 29);
  if (hashSize_ > 16)
    h = mixTail(h, static_cast<const uint8_t *>(key) + 16, hashSize_);
  return h * 0xbf58476d1ce4e5b9ULL;
}

/// The index's probe for `key`: Short for keys of up to 16 hashed bytes
/// (most keys: integers, a comm, a pid and a slot), two words compared and
/// inlined; else memcmp.
template <bool Short>
[[gnu::always_inline]] inline uint32_t HostMap::probe(const void *key, uint64_t *&at) const {
  uint32_t slot = 0;
  if (slots && (slot = slotOf(key)) == kNone)
    return kNone;
  uint64_t k0, k1;
  keyWords(key, k0, k1);
  uint64_t h = hashOf(key, k0, k1);
  uint32_t tag = tagOf(h);
  const Slot *index = index_.data();
  size_t mask = index_.size() - 1;
  uint32_t hashed = hashSize_;
  for (size_t i = home(h);; i = (i + 1) & mask) {
    Slot s = index[i];
    if (s.id == kNone)
      return kNone;
    if (s.tag != tag)
      continue;
    // The key in the entry, zero padded to whole words (a grouped map: the
    // entry of the slot asked for, which holds the same user key).
    uint32_t id = s.id + slot;
    uint64_t *e = entry(id);
    bool same = Short ? hashed == 0 || (e[1] == k0 && (hashed <= 8 || e[2] == k1))
                      : std::memcmp(e + 1, key, hashed) == 0;
    if (same) {
      at = e;
      return id;
    }
  }
}

[[gnu::noinline]] uint32_t HostMap::probeLong(const void *key, uint64_t *&at) const {
  return probe<false>(key, at);
}

uint32_t HostMap::lookupId(const void *key) const {
  uint64_t *e;
  return hashSize_ <= 16 ? probe<true>(key, e) : probeLong(key, e);
}

uint64_t *HostMap::findEntry(const void *key) const {
  if (array) {
    uint32_t id = find(key);
    return id != kNone ? entry(id) : nullptr;
  }
  uint64_t *e = nullptr;
  uint32_t id = hashSize_ <= 16 ? probe<true>(key, e) : probeLong(key, e);
  return id != kNone && e[0] ? e : nullptr;
}

uint32_t HostMap::addId(const void *key) {
  uint32_t n = slots ? slots : 1;
  uint32_t id = count_;
  count_ += n;
  while (((count_ - 1) >> kChunkBits) >= chunks_.size())
    chunks_.emplace_back(new uint64_t[size_t(stride_) << kChunkBits]());
  if (array)
    return id;
  // A grouped map: one entry per slot index, each with its own full key.
  for (uint32_t i = 0; i < n; ++i) {
    std::memcpy(entry(id + i) + 1, key, keySize);
    if (slots) {
      uint64_t s = i;
      std::memcpy(reinterpret_cast<uint8_t *>(entry(id + i) + 1) + keySize - 8, &s, 8);
    }
  }
  if (size_t(indexed()) * 2 > index_.size()) {
    grow();
  } else {
    uint64_t k0, k1;
    keyWords(key, k0, k1);
    uint64_t h = hashOf(key, k0, k1);
    size_t mask = index_.size() - 1;
    size_t i = home(h);
    while (index_[i].id != kNone)
      i = (i + 1) & mask;
    index_[i] = Slot{tagOf(h), id};
  }
  return slots ? id + slotOf(key) : id;
}

void HostMap::grow() {
  std::vector<Slot> old(index_.size() * 2, Slot{0, kNone});
  index_.swap(old);
  shift_ -= 1;
  size_t mask = index_.size() - 1;
  uint32_t n = slots ? slots : 1;
  for (uint32_t id = 0; id < count_; id += n) {
    const void *key = entry(id) + 1;
    uint64_t k0, k1;
    keyWords(key, k0, k1);
    uint64_t h = hashOf(key, k0, k1);
    size_t i = home(h);
    while (index_[i].id != kNone)
      i = (i + 1) & mask;
    index_[i] = Slot{tagOf(h), id};
  }
}

int HostMap::update(const void *key, const void *value, uint64_t flags) {
  uint32_t id = find(key);
  if (id != kNone && (flags & 3) == kNoExist)
    return -EEXIST;
  if (id == kNone) {
    if ((flags & 3) == kExist || array)
      return array ? -E2BIG : -ENOENT;
    if (live >= maxEntries)
      return -E2BIG;
    if (slots && slotOf(key) == kNone)
      return -E2BIG;
    id = lookupId(key);
    if (id == kNone)
      id = addId(key);
    uint64_t *e = entry(id);
    e[0] = 1;
    std::memset(this->value(id), 0, size_t(words()) * 8);
    if (windowed && exemplars)
      exemplar(id) = {};
    ++live;
  }
  std::memcpy(this->value(id), value, valueSize);
  return 0;
}

int HostMap::remove(const void *key) {
  if (array)
    return -EINVAL;
  uint32_t id = find(key);
  if (id == kNone)
    return -ENOENT;
  erase(id);
  return 0;
}

void HostMap::erase(uint32_t id) {
  if (array || id >= count_ || !present(id))
    return;
  entry(id)[0] = 0;
  --live;
}

void HostMap::clear() {
  for (uint32_t i = 0; i < count_; ++i)
    erase(i);
}

const uint8_t *HostMap::keyOf(uint32_t id) const {
  static thread_local uint32_t index;
  if (array) {
    index = id;
    return reinterpret_cast<const uint8_t *>(&index);
  }
  return reinterpret_cast<const uint8_t *>(entry(id) + 1);
}

HostRuntime::HostRuntime() = default;

HostMap &HostRuntime::addMap(HostMap m) {
  maps_.push_back(std::make_unique<HostMap>(std::move(m)));
  HostMap &h = *maps_.back();
  h.rt = this;
  h.init();
  return h;
}

void HostRuntime::setTaskLayout(uint32_t taskSize, uint32_t realParentOff, uint32_t tgidOff) {
  task.assign(std::max<uint32_t>(taskSize, realParentOff + 8) + 8, 0);
  parentTask.assign(task.size(), 0);
  realParentOffset = realParentOff;
  tgidOffset = tgidOff;
  hasTaskLayout = tgidOff + 4 <= parentTask.size();
  uintptr_t parent = reinterpret_cast<uintptr_t>(parentTask.data());
  std::memcpy(task.data() + realParentOff, &parent, 8);
}

void HostRuntime::setEventContext(std::string_view c, uint32_t pp) {
  std::memset(comm, 0, sizeof comm);
  std::memcpy(comm, c.data(), std::min(c.size(), sizeof comm - 1));
  ppid = pp;
  if (hasTaskLayout) {
    std::memcpy(parentTask.data() + tgidOffset, &pp, 4);
    std::memcpy(task.data() + tgidOffset, &pid, 4);
  }
}

} // namespace obs::host

//===-- The functions host code calls -------------------------------------===//

using obs::host::HostMap;
using obs::host::HostRuntime;

extern "C" {

static void *obs_host_map_lookup(HostMap *m, const void *key) {
  uint64_t *e = m->findEntry(key);
  if (!e)
    return nullptr;
  if (m->windowed && m->exemplars && m->rt)
    obs::host::touch(*m, e);
  return m->valueAt(e);
}
static int64_t obs_host_map_update(HostMap *m, const void *key, const void *value,
                                   uint64_t flags) {
  return m->update(key, value, flags);
}
static int64_t obs_host_map_delete(HostMap *m, const void *key) { return m->remove(key); }
static uint64_t obs_host_task(HostRuntime *rt) {
  return rt->hasTaskLayout ? reinterpret_cast<uint64_t>(rt->task.data()) : 0;
}
static int64_t obs_host_stack_id(HostRuntime *, uint64_t) { return -14; } // -EFAULT: no stacks
static int64_t obs_host_comm(HostRuntime *rt, char *dst, uint64_t size) {
  if (size == 0)
    return -22;
  size_t n = std::min<size_t>(size, sizeof rt->comm);
  std::memcpy(dst, rt->comm, n);
  dst[n - 1] = 0;
  if (size > n)
    std::memset(dst + n, 0, size - n);
  return 0;
}
static int64_t obs_host_probe_read(HostRuntime *rt, void *dst, uint64_t size, const void *src) {
  uintptr_t p = reinterpret_cast<uintptr_t>(src);
  if (obs::host::readableAt(*rt, p, size)) {
    std::memmove(dst, src, size);
    return 0;
  }
  if (rt->hasTaskLayout) {
    auto in = [&](const std::vector<uint8_t> &v) {
      uintptr_t b = reinterpret_cast<uintptr_t>(v.data());
      return p >= b && p + size <= b + v.size();
    };
    if (in(rt->task) || in(rt->parentTask)) {
      std::memmove(dst, src, size);
      return 0;
    }
  }
  std::memset(dst, 0, size);
  ++rt->readsZeroed;
  return -14;
}
static int64_t obs_host_probe_read_str(HostRuntime *rt, char *dst, uint64_t size,
                                       const char *src) {
  if (size == 0)
    return -22;
  size_t avail = obs::host::readableFrom(*rt, reinterpret_cast<uintptr_t>(src));
  if (avail == 0) {
    dst[0] = 0;
    ++rt->readsZeroed;
    return -14;
  }
  size_t n = 0, lim = std::min<size_t>(size - 1, avail);
  while (n < lim && src[n])
    ++n;
  std::memcpy(dst, src, n);
  dst[n] = 0;
  return int64_t(n + 1);
}
/// bpf_for_each_map_elem: callback(map, key, value, ctx) per element until
/// it returns nonzero; the number of elements visited. Keys are taken
/// first, so the callback may delete elements.
static int64_t obs_host_map_for_each(HostMap *m, int64_t (*cb)(void *, const void *, void *, void *),
                                     void *ctx) {
  int64_t n = 0;
  if (m->array) {
    for (uint32_t i = 0; i < m->ids(); ++i) {
      ++n;
      if (cb(m, &i, m->value(i), ctx))
        break;
    }
    return n;
  }
  // Entries added by the callback are not visited; deleted ones are skipped.
  for (uint32_t id = 0, end = m->ids(); id < end; ++id) {
    if (!m->present(id))
      continue;
    ++n;
    if (cb(m, m->keyOf(id), m->value(id), ctx))
      break;
  }
  return n;
}
static void *obs_host_ringbuf_reserve(HostRuntime *rt, uint64_t size) {
  rt->reserveBuf.assign((size + 7) / 8, 0);
  rt->reserveSize = size;
  return rt->reserveBuf.data();
}
static void obs_host_ringbuf_submit(HostRuntime *rt, void *record) {
  if (rt->ringbufSink)
    rt->ringbufSink(static_cast<const uint8_t *>(record), rt->reserveSize);
}
static int64_t obs_host_ringbuf_output(HostRuntime *rt, const void *data, uint64_t size) {
  if (rt->ringbufSink)
    rt->ringbufSink(static_cast<const uint8_t *>(data), size);
  return 0;
}

} // extern "C"

namespace obs::host {

std::vector<std::pair<std::string, void *>> HostRuntime::symbols() {
  return {
      {"obs_host_map_lookup", reinterpret_cast<void *>(&obs_host_map_lookup)},
      {"obs_host_map_update", reinterpret_cast<void *>(&obs_host_map_update)},
      {"obs_host_map_delete", reinterpret_cast<void *>(&obs_host_map_delete)},
      {"obs_host_task", reinterpret_cast<void *>(&obs_host_task)},
      {"obs_host_stack_id", reinterpret_cast<void *>(&obs_host_stack_id)},
      {"obs_host_comm", reinterpret_cast<void *>(&obs_host_comm)},
      {"obs_host_probe_read", reinterpret_cast<void *>(&obs_host_probe_read)},
      {"obs_host_probe_read_str", reinterpret_cast<void *>(&obs_host_probe_read_str)},
      {"obs_host_map_for_each", reinterpret_cast<void *>(&obs_host_map_for_each)},
      {"obs_host_ringbuf_reserve", reinterpret_cast<void *>(&obs_host_ringbuf_reserve)},
      {"obs_host_ringbuf_submit", reinterpret_cast<void *>(&obs_host_ringbuf_submit)},
      {"obs_host_ringbuf_output", reinterpret_cast<void *>(&obs_host_ringbuf_output)},
      {"memcpy", reinterpret_cast<void *>(&std::memcpy)},
      {"memmove", reinterpret_cast<void *>(&std::memmove)},
      {"memset", reinterpret_cast<void *>(&std::memset)},
      {"memcmp", reinterpret_cast<void *>(&std::memcmp)},
  };
}

} // namespace obs::host
