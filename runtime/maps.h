//===- maps.h - map contents read from the kernel, in a neutral form ------===//
//
// At exit (and for print()) every map is read once, per-CPU values merged,
// and turned into a MapDump: entries whose key is a list of typed parts and
// whose value is one of a few shapes. The printers in runtime/output/ (text,
// JSON) work only on this structure; they never see libbpf or raw bytes.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"

#include <cstdint>
#include <string>
#include <vector>

namespace obs {

/// One component of a map key, already decoded from the key bytes.
struct KeyPart {
  enum class Kind { Int, Uint, String, Stack };
  Kind kind = Kind::Uint;
  int64_t i = 0;                 ///< Int
  uint64_t u = 0;                ///< Uint
  std::string s;                 ///< String (up to the first NUL)
  std::vector<uint64_t> stack;   ///< Stack: addresses, innermost first
  bool userStack = false;        ///< Stack: ustack rather than kstack
  uint32_t pid = 0;              ///< Stack (user): the tgid of the frames, 0: unknown
  contract::StackMode mode = contract::StackMode::Bpftrace; ///< Stack: how it prints

  static KeyPart ofInt(int64_t v) { KeyPart p; p.kind = Kind::Int; p.i = v; return p; }
  static KeyPart ofUint(uint64_t v) { KeyPart p; p.kind = Kind::Uint; p.u = v; return p; }
  static KeyPart ofString(std::string v) { KeyPart p; p.kind = Kind::String; p.s = std::move(v); return p; }
};

/// What a map holds; decides which MapValue fields are meaningful and how
/// the printers render them (bpftrace's formats).
enum class MapValueKind {
  Plain,  ///< `@x = expr`: an integer (`scalar`) or a string (`str`)
  Count,  ///< scalar
  Sum,    ///< scalar
  Min,    ///< scalar
  Max,    ///< scalar
  Avg,    ///< count, total (average = total / count, integer as bpftrace)
  Stats,  ///< count, total
  Hist,   ///< buckets: log2 buckets, see contract.h for the bucket layout
  Lhist,  ///< buckets with lhistMin, lhistMax, lhistStep
};

struct MapValue {
  int64_t scalar = 0;              ///< Plain (integer), Count, Sum, Min, Max
  std::string str;                 ///< Plain string values
  bool isString = false;           ///< Plain: str is the value
  std::vector<KeyPart> tuple;      ///< Plain tuple values (`@x = (pid, comm)`)
  bool isTuple = false;            ///< Plain: tuple is the value
  bool isStack = false;            ///< Plain: a stack (`@s = kstack`), tuple[0]
  uint64_t count = 0;              ///< Avg, Stats
  int64_t total = 0;               ///< Avg, Stats
  std::vector<uint64_t> buckets;   ///< Hist, Lhist (per-CPU merged)
};

struct MapEntry {
  std::vector<KeyPart> key; ///< empty for a keyless map
  MapValue value;
};

/// One map as read at one moment.
struct MapDump {
  std::string name;             ///< "@forks", "@" for the anonymous map
  MapValueKind kind = MapValueKind::Plain;
  bool isSigned = true;         ///< Plain integers, Sum/Min/Max: signedness of the value
  int64_t lhistMin = 0, lhistMax = 0, lhistStep = 1; ///< Lhist
  std::vector<MapEntry> entries; ///< in kernel iteration order; printers sort
};

/// Hist bucket i (contract.h, obs_log2_bucket): 0 holds values < 0, 1 holds
/// 0, i >= 2 holds [2^(i-2), 2^(i-1)). Lhist bucket 0 holds values < min, the
/// last holds values >= max, bucket i in between holds
/// [min + (i-1)*step, min + i*step).

/// Reads one map through its fd, merging per-CPU values. False with
/// `error` when the kernel refuses a read.
/// `stacksFd`: the obs_stacks map, to resolve kstack/ustack keys (or -1).
/// `object`: for static symbols (`func`) in keys.
/// `combineFd`: the map's write-combining cache (MapSpec::combineMap), whose
/// slots are added in, or -1.
bool readMap(int fd, const contract::MapSpec &spec, MapDump &out, std::string &error,
             int stacksFd = -1, const contract::ObjectSpec *object = nullptr,
             int combineFd = -1);

/// Key (or tuple value) bytes laid out as `fields`, decoded as readMap
/// decodes them: `object` gives static symbols (`func`) and strftime
/// formats, `stacksFd` the stack map (-1: stacks print no frames).
std::vector<KeyPart> decodeKeyParts(const std::vector<contract::KeyField> &fields,
                                    const uint8_t *bytes,
                                    const contract::ObjectSpec *object = nullptr,
                                    int stacksFd = -1);

class Loader;
/// Every script map of a loaded object, in map-table order.
std::vector<MapDump> readAllMaps(const Loader &loader, std::string &error);

/// One key's partial state in one slot of a windowed map (contract.h,
/// runtime/window/partials.h), as each CPU that saw the slot holds it: feed
/// each per-CPU partial to WindowedMap::mergeKernelPartial.
struct WindowPartial {
  std::vector<uint8_t> key;                   ///< user key bytes (slot index stripped)
  std::vector<std::vector<uint8_t>> perCpu;   ///< valueSize bytes each; CPUs whose seq matches
  /// The key's obs_exemplar (80 bytes) of this slot, when the map has an
  /// exemplar map (an alert reads it) and an event wrote it: one for all
  /// CPUs, merged with perCpu[0]; empty otherwise.
  std::vector<std::vector<uint8_t>> exemplars;
};

/// Reads slot `seq` (slot number + 1) of every key of a windowed map.
bool readWindowSlot(int fd, const contract::MapSpec &spec, uint64_t seq,
                    std::vector<WindowPartial> &out, std::string &error,
                    int exemplarFd = -1);

/// Slot `index` of a per-CPU array of u64 counters, summed over the CPUs
/// (obs_lost: ring-buffer reserves that failed, slot 0; obs_late and
/// obs_full: late events and full-map drops, by map index); 0 when the
/// map or the slot cannot be read.
uint64_t readCounter(int fd, uint32_t index);

/// clear(@m): delete every entry (keyless maps are zeroed), and empty the
/// write-combining cache `combineFd` (or -1).
bool clearMap(int fd, const contract::MapSpec &spec, std::string &error, int combineFd = -1);
/// zero(@m): keep the keys, zero every value.
bool zeroMap(int fd, const contract::MapSpec &spec, std::string &error, int combineFd = -1);

} // namespace obs
