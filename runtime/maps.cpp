//===- maps.cpp - reading script maps into MapDumps -----------------------===//
//
// Keys and values are decoded with the layouts of contract.h. Per-CPU maps
// return one value per possible CPU, each rounded up to 8 bytes; they are
// merged here (sums, min/max over the CPUs that saw a value, bucket sums).
//
//===----------------------------------------------------------------------===//

#include "runtime/maps.h"
#include "runtime/loader.h"
#include "runtime/value_text.h"
#include "runtime/symbols.h"
#include "runtime/window/partials.h"
#include "runtime/user_symbols.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <unordered_map>

namespace obs {

namespace {
using VK = contract::ValueKind;

MapValueKind dumpKind(VK k) {
  switch (k) {
  case VK::Int:
  case VK::String:
  case VK::Tuple:
  case VK::Rendered: return MapValueKind::Plain;
  case VK::Count: return MapValueKind::Count;
  case VK::Sum: return MapValueKind::Sum;
  case VK::Min: return MapValueKind::Min;
  case VK::Max: return MapValueKind::Max;
  case VK::Avg: return MapValueKind::Avg;
  case VK::Stats: return MapValueKind::Stats;
  case VK::Hist: return MapValueKind::Hist;
  case VK::Lhist: return MapValueKind::Lhist;
  }
  return MapValueKind::Plain;
}

int64_t i64At(const uint8_t *p) {
  int64_t v;
  memcpy(&v, p, 8);
  return v;
}

const std::vector<std::string> *gSymbols = nullptr; // of the map being read
const std::vector<contract::PrintfSpec> *gFormats = nullptr; // strftime formats

std::string symbolText(uint64_t v, bool kernel) {
  if (v & contract::kStaticSymbolBit) {
    uint64_t i = v & ~contract::kStaticSymbolBit;
    if (gSymbols && i < gSymbols->size())
      return (*gSymbols)[i];
  }
  if (kernel)
    return kernelSymbol(v);
  char buf[32];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::vector<KeyPart> decodeParts(const std::vector<contract::KeyField> &fields,
                                 const uint8_t *key, int stacksFd) {
  std::vector<KeyPart> parts;
  for (const contract::KeyField &f : fields) {
    const uint8_t *p = key + f.offset;
    switch (f.kind) {
    case contract::KeyField::Kind::Int: parts.push_back(KeyPart::ofInt(i64At(p))); break;
    case contract::KeyField::Kind::Uint: parts.push_back(KeyPart::ofUint(uint64_t(i64At(p)))); break;
    case contract::KeyField::Kind::KSym:
      parts.push_back(KeyPart::ofString(symbolText(uint64_t(i64At(p)), true)));
      break;
    case contract::KeyField::Kind::USym: {
      // The address, then (16-byte fields) the tgid it belongs to.
      uint64_t a = uint64_t(i64At(p));
      uint32_t pid = f.size >= 16 ? uint32_t(i64At(p + 8)) : 0;
      parts.push_back(KeyPart::ofString(a & contract::kStaticSymbolBit
                                            ? symbolText(a, false)
                                            : userSymbolizer().text(pid, a, false, false)));
      break;
    }
    case contract::KeyField::Kind::Inet:
      parts.push_back(KeyPart::ofString(inetToString(p)));
      break;
    case contract::KeyField::Kind::Buffer:
    case contract::KeyField::Kind::Timestamp:
      parts.push_back(KeyPart::ofString(renderValueArg(
          f.kind == contract::KeyField::Kind::Buffer ? contract::FormatArg::Kind::Buffer
                                                     : contract::FormatArg::Kind::Timestamp,
          p, f.size, gFormats)));
      break;
    case contract::KeyField::Kind::KStack:
    case contract::KeyField::Kind::UStack: {
      KeyPart k;
      k.kind = KeyPart::Kind::Stack;
      k.userStack = f.kind == contract::KeyField::Kind::UStack;
      k.mode = f.mode;
      if (k.userStack && f.size >= 16)
        k.pid = uint32_t(i64At(p + 8));
      int64_t id = i64At(p);
      std::vector<uint64_t> frames(contract::kStackFrames, 0);
      uint32_t key32 = uint32_t(id);
      if (id >= 0 && stacksFd >= 0 && bpf_map_lookup_elem(stacksFd, &key32, frames.data()) == 0)
        for (uint64_t a : frames) {
          if (!a || k.stack.size() >= f.frames)
            break;
          k.stack.push_back(a);
        }
      parts.push_back(std::move(k));
      break;
    }
    case contract::KeyField::Kind::String:
      parts.push_back(KeyPart::ofString(
          std::string(reinterpret_cast<const char *>(p), strnlen(reinterpret_cast<const char *>(p), f.size))));
      break;
    }
  }
  return parts;
}

/// Merges `ncpu` values (stride bytes apart); false when no CPU has a value
/// (min/max never set).
bool mergeValue(const contract::MapSpec &spec, const uint8_t *vals, int ncpu, size_t stride,
                MapValue &out, int stacksFd) {
  switch (spec.kind) {
  case VK::Int:
    out.scalar = i64At(vals);
    if (spec.valueFields.size() == 1 &&
        (spec.valueFields[0].kind == contract::KeyField::Kind::USym ||
         spec.valueFields[0].kind == contract::KeyField::Kind::KSym)) {
      // `@x = usym(a)`, `@x = ksym(a)`: the symbol's name, as bpftrace.
      std::vector<KeyPart> parts = decodeParts(spec.valueFields, vals, stacksFd);
      out.isString = true;
      out.str = parts.empty() ? "" : parts[0].s;
    }
    return true;
  case VK::Tuple:
    out.isTuple = true;
    out.tuple = decodeParts(spec.valueFields, vals, stacksFd);
    return true;
  case VK::Rendered: {
    std::vector<KeyPart> parts = decodeParts(spec.valueFields, vals, stacksFd);
    if (!parts.empty() && parts[0].kind == KeyPart::Kind::Stack) {
      out.isStack = true;
      out.tuple = std::move(parts);
      return true;
    }
    out.isString = true;
    out.str = parts.empty() ? "" : parts[0].s;
    return true;
  }
  case VK::String:
    out.isString = true;
    out.str.assign(reinterpret_cast<const char *>(vals),
                   strnlen(reinterpret_cast<const char *>(vals), spec.stringSize));
    return true;
  case VK::Count:
  case VK::Sum:
    for (int c = 0; c < ncpu; ++c)
      out.scalar += i64At(vals + c * stride);
    return true;
  case VK::Min:
  case VK::Max: {
    bool any = false;
    for (int c = 0; c < ncpu; ++c) {
      const uint8_t *v = vals + c * stride;
      if (!i64At(v + 8))
        continue;
      int64_t x = i64At(v);
      if (!any || (spec.kind == VK::Min ? x < out.scalar : x > out.scalar))
        out.scalar = x;
      any = true;
    }
    return any;
  }
  case VK::Avg:
  case VK::Stats:
    for (int c = 0; c < ncpu; ++c) {
      out.total += i64At(vals + c * stride);
      out.count += uint64_t(i64At(vals + c * stride + 8));
    }
    return true;
  case VK::Hist:
  case VK::Lhist: {
    size_t n = spec.valueSize / 8;
    out.buckets.assign(n, 0);
    for (int c = 0; c < ncpu; ++c)
      for (size_t i = 0; i < n; ++i)
        out.buckets[i] += uint64_t(i64At(vals + c * stride + 8 * i));
    return true;
  }
  }
  return false;
}
} // namespace

namespace {
/// One write-combining slot's partial (contract.h, kCombineSlots).
struct CombinedPartial {
  uint64_t n = 0;
  int64_t sum = 0;
};

/// Every CPU's occupied cache slots, summed per key (raw key bytes).
std::map<std::vector<uint8_t>, CombinedPartial> readCombined(int fd,
                                                             const contract::MapSpec &spec) {
  std::map<std::vector<uint8_t>, CombinedPartial> out;
  int ncpu = libbpf_num_possible_cpus();
  if (fd < 0 || ncpu <= 0)
    return out;
  size_t stride = contract::kCombineHeader + spec.keySize;
  std::vector<uint8_t> vals(stride * size_t(ncpu));
  for (uint32_t i = 0; i < contract::kCombineSlots; ++i) {
    if (bpf_map_lookup_elem(fd, &i, vals.data()) != 0)
      continue;
    for (int c = 0; c < ncpu; ++c) {
      const uint8_t *v = vals.data() + size_t(c) * stride;
      uint64_t n = uint64_t(i64At(v));
      if (!n)
        continue;
      CombinedPartial &p = out[std::vector<uint8_t>(v + contract::kCombineHeader, v + stride)];
      p.n += n;
      p.sum += i64At(v + 8);
    }
  }
  return out;
}

void addCombined(const contract::MapSpec &spec, const CombinedPartial &p, MapValue &v) {
  switch (spec.kind) {
  case VK::Count: v.scalar += int64_t(p.n); break;
  case VK::Sum: v.scalar += p.sum; break;
  default:
    v.total += p.sum;
    v.count += p.n;
    break;
  }
}
} // namespace

namespace {
/// kstack(N)/ustack(N) keys hold the kernel's full stack id and are cut to
/// N frames when read: keys that differ only below frame N become equal
/// and are merged, as bpftrace's N-frame stack maps would have them (a
/// user stack's process stays part of its key, as in bpftrace).
void mergeTruncatedStackKeys(const contract::MapSpec &spec, MapDump &out) {
  bool truncates = false;
  for (const contract::KeyField &f : spec.key)
    truncates |= (f.kind == contract::KeyField::Kind::KStack ||
                  f.kind == contract::KeyField::Kind::UStack) &&
                 f.frames < contract::kStackFrames;
  if (!truncates || out.entries.size() < 2)
    return;
  auto text = [](const std::vector<KeyPart> &key) {
    std::string t;
    for (const KeyPart &p : key) {
      t += std::to_string(int(p.kind)) + ":" + std::to_string(p.i) + ":" + std::to_string(p.u) +
           ":" + std::to_string(p.pid) + ":" + std::to_string(p.s.size()) + ":" + p.s;
      for (uint64_t a : p.stack)
        t += "," + std::to_string(a);
      t += ";";
    }
    return t;
  };
  std::vector<MapEntry> merged;
  std::unordered_map<std::string, size_t> index;
  for (MapEntry &e : out.entries) {
    auto [it, fresh] = index.emplace(text(e.key), merged.size());
    if (fresh) {
      merged.push_back(std::move(e));
      continue;
    }
    MapEntry *m = &merged[it->second];
    MapValue &v = m->value;
    const MapValue &w = e.value;
    switch (out.kind) {
    case MapValueKind::Count:
    case MapValueKind::Sum: v.scalar += w.scalar; break;
    case MapValueKind::Min: v.scalar = std::min(v.scalar, w.scalar); break;
    case MapValueKind::Max: v.scalar = std::max(v.scalar, w.scalar); break;
    case MapValueKind::Avg:
    case MapValueKind::Stats:
      v.count += w.count;
      v.total += w.total;
      break;
    case MapValueKind::Hist:
    case MapValueKind::Lhist:
      for (size_t i = 0; i < v.buckets.size() && i < w.buckets.size(); ++i)
        v.buckets[i] += w.buckets[i];
      break;
    case MapValueKind::Plain: break; // one of them, as a map update would keep
    }
  }
  out.entries = std::move(merged);
}
} // namespace

std::vector<KeyPart> decodeKeyParts(const std::vector<contract::KeyField> &fields,
                                    const uint8_t *bytes, const contract::ObjectSpec *object,
                                    int stacksFd) {
  gSymbols = object ? &object->symbols : nullptr;
  gFormats = object ? &object->formats : nullptr;
  return decodeParts(fields, bytes, stacksFd);
}

bool readMap(int fd, const contract::MapSpec &spec, MapDump &out, std::string &error,
             int stacksFd, const contract::ObjectSpec *object, int combineFd) {
  gSymbols = object ? &object->symbols : nullptr;
  gFormats = object ? &object->formats : nullptr;
  out = MapDump{};
  out.name = spec.name;
  out.kind = dumpKind(spec.kind);
  out.isSigned = spec.valueSigned;
  out.lhistMin = spec.lhistMin;
  out.lhistMax = spec.lhistMax;
  out.lhistStep = spec.lhistStep;
  int ncpu = spec.perCpu ? libbpf_num_possible_cpus() : 1;
  if (ncpu <= 0) {
    error = "cannot count the possible CPUs";
    return false;
  }
  size_t stride = spec.perCpu ? (spec.valueSize + 7) / 8 * 8 : spec.valueSize;
  std::vector<uint8_t> vals(stride * size_t(ncpu));
  if (spec.isArray) {
    uint32_t key = 0;
    if (bpf_map_lookup_elem(fd, &key, vals.data()) != 0) {
      error = "cannot read map " + spec.name + ": " + strerror(errno);
      return false;
    }
    MapEntry e;
    // A keyless aggregation that never saw an event (or was cleared) has
    // no entry, as a hash map would not.
    bool touched = false;
    for (uint8_t b : vals)
      touched |= b != 0;
    if (touched && mergeValue(spec, vals.data(), ncpu, stride, e.value, stacksFd))
      out.entries.push_back(std::move(e));
    return true;
  }
  std::vector<uint8_t> key(spec.keySize), next(spec.keySize);
  std::vector<std::pair<std::vector<uint8_t>, size_t>> hashed; // key bytes, entry
  const void *prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    key = next;
    prev = key.data();
    if (bpf_map_lookup_elem(fd, key.data(), vals.data()) != 0) {
      if (errno == ENOENT) // deleted meanwhile
        continue;
      error = "cannot read map " + spec.name + ": " + strerror(errno);
      return false;
    }
    MapEntry e;
    e.key = decodeParts(spec.key, key.data(), stacksFd);
    if (mergeValue(spec, vals.data(), ncpu, stride, e.value, stacksFd)) {
      if (combineFd >= 0)
        hashed.push_back({key, out.entries.size()});
      out.entries.push_back(std::move(e));
    }
  }
  // The caches are read after the hash: a slot flushed meanwhile is missed
  // (as an event after the read would be), never counted twice.
  if (combineFd >= 0) {
    auto cached = readCombined(combineFd, spec);
    for (auto &[k, idx] : hashed) {
      auto it = cached.find(k);
      if (it == cached.end())
        continue;
      addCombined(spec, it->second, out.entries[idx].value);
      cached.erase(it);
    }
    for (auto &[k, p] : cached) {
      MapEntry e;
      e.key = decodeParts(spec.key, k.data(), stacksFd);
      addCombined(spec, p, e.value);
      out.entries.push_back(std::move(e));
    }
  }
  mergeTruncatedStackKeys(spec, out);
  return true;
}

std::vector<MapDump> readAllMaps(const Loader &loader, std::string &error) {
  std::vector<MapDump> out;
  for (const contract::MapSpec &m : loader.spec().maps) {
    if (m.windowed) // read slot by slot by the window engine
      continue;
    int fd = loader.mapFd(m.bpfName);
    if (fd < 0)
      continue;
    MapDump d;
    if (!readMap(fd, m, d, error, loader.mapFd(contract::kStacksMap), &loader.spec(),
                 m.combineMap.empty() ? -1 : loader.mapFd(m.combineMap)))
      continue;
    out.push_back(std::move(d));
  }
  return out;
}

bool readWindowSlot(int fd, const contract::MapSpec &spec, uint64_t seq,
                    std::vector<WindowPartial> &out, std::string &error, int exemplarFd) {
  out.clear();
  if (!spec.windowed || spec.windowSlots == 0 || seq == 0) {
    error = "map " + spec.name + " is not windowed";
    return false;
  }
  int ncpu = libbpf_num_possible_cpus();
  size_t stride = (spec.valueSize + 7) / 8 * 8;
  std::vector<uint8_t> vals(stride * size_t(ncpu));
  uint64_t index = (seq - 1) % spec.windowSlots;
  std::vector<uint8_t> key(spec.keySize), next(spec.keySize);
  const void *prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    key = next;
    prev = key.data();
    uint64_t idx;
    memcpy(&idx, key.data() + spec.keySize - 8, 8);
    if (idx != index)
      continue;
    if (bpf_map_lookup_elem(fd, key.data(), vals.data()) != 0) {
      if (errno == ENOENT)
        continue;
      error = "cannot read map " + spec.name + ": " + strerror(errno);
      return false;
    }
    WindowPartial w;
    w.key.assign(key.begin(), key.end() - 8);
    // The key's exemplar for this slot (obs_exemplar_slot, one for all
    // CPUs): valid when its seq is this slot's.
    obs_exemplar_slot ex;
    if (exemplarFd >= 0 && bpf_map_lookup_elem(exemplarFd, key.data(), &ex) == 0 &&
        ex.seq == seq) {
      const uint8_t *b = reinterpret_cast<const uint8_t *>(&ex.ex);
      w.exemplars.emplace_back(b, b + sizeof ex.ex);
    }
    for (int c = 0; c < ncpu; ++c) {
      const uint8_t *v = vals.data() + size_t(c) * stride;
      if (uint64_t(i64At(v)) != seq)
        continue;
      w.perCpu.emplace_back(v, v + spec.valueSize);
    }
    if (!w.perCpu.empty())
      out.push_back(std::move(w));
  }
  return true;
}

uint64_t readCounter(int fd, uint32_t index) {
  if (fd < 0)
    return 0;
  int ncpu = libbpf_num_possible_cpus();
  std::vector<uint64_t> vals(size_t(ncpu > 0 ? ncpu : 1), 0);
  if (bpf_map_lookup_elem(fd, &index, vals.data()) != 0)
    return 0;
  uint64_t sum = 0;
  for (uint64_t v : vals)
    sum += v;
  return sum;
}

static bool zeroOrClear(int fd, const contract::MapSpec &spec, bool keepKeys, std::string &error,
                        int combineFd) {
  int ncpu = spec.perCpu ? libbpf_num_possible_cpus() : 1;
  size_t stride = spec.perCpu ? (spec.valueSize + 7) / 8 * 8 : spec.valueSize;
  std::vector<uint8_t> zeros(stride * size_t(ncpu > 0 ? ncpu : 1), 0);
  if (combineFd >= 0) {
    // Empty the write-combining caches; zero() keeps their keys, as zero
    // entries of the hash.
    if (keepKeys)
      for (auto &[k, p] : readCombined(combineFd, spec))
        bpf_map_update_elem(fd, k.data(), zeros.data(), BPF_NOEXIST);
    std::vector<uint8_t> empty((contract::kCombineHeader + spec.keySize) *
                               size_t(ncpu > 0 ? ncpu : 1));
    for (uint32_t i = 0; i < contract::kCombineSlots; ++i)
      bpf_map_update_elem(combineFd, &i, empty.data(), BPF_ANY);
  }
  if (spec.isArray) {
    uint32_t key = 0;
    if (bpf_map_update_elem(fd, &key, zeros.data(), BPF_ANY) != 0) {
      error = "cannot reset map " + spec.name + ": " + strerror(errno);
      return false;
    }
    return true;
  }
  // Collect keys first: deleting while iterating restarts the walk.
  std::vector<std::vector<uint8_t>> keys;
  std::vector<uint8_t> key(spec.keySize), next(spec.keySize);
  const void *prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    keys.push_back(next);
    key = next;
    prev = key.data();
  }
  for (auto &k : keys) {
    int rc = keepKeys ? bpf_map_update_elem(fd, k.data(), zeros.data(), BPF_EXIST)
                      : bpf_map_delete_elem(fd, k.data());
    if (rc != 0 && errno != ENOENT) {
      error = "cannot reset map " + spec.name + ": " + strerror(errno);
      return false;
    }
  }
  return true;
}

bool clearMap(int fd, const contract::MapSpec &spec, std::string &error, int combineFd) {
  return zeroOrClear(fd, spec, false, error, combineFd);
}
bool zeroMap(int fd, const contract::MapSpec &spec, std::string &error, int combineFd) {
  return zeroOrClear(fd, spec, true, error, combineFd);
}


} // namespace obs
