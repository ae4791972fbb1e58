//===- contract.h - the kernel/user contract of a compiled script ---------===//
//
// The only things the BPF programs and user space share: the names of the
// fixed maps, the layout of ring-buffer records, the printf format table,
// the byte layout of every script map's keys and values, and how each
// program attaches. Codegen fills an ObjectSpec while lowering; the runtime
// reads records and maps with it. Header-only, no LLVM and no libbpf here.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace obs::contract {

//===-- Fixed maps ---------------------------------------------------------===//

/// BPF_MAP_TYPE_RINGBUF: every per-event record (printf, exit, print ...).
inline constexpr const char *kEventsMap = "obs_events";
/// Per-CPU array, one u64 slot: ring-buffer reserves that failed.
inline constexpr const char *kLostMap = "obs_lost";
/// Per-CPU array, one slot: scratch memory for strings, keys and tuples, so
/// nothing large lives on the 512-byte BPF stack.
inline constexpr const char *kScratchMap = "obs_scratch";
/// Array, one slot, never written: zero bytes to initialise map values.
inline constexpr const char *kZeroMap = "obs_zero";
/// Array, one u64 slot: exit(code) sets it to 0x100 | (code & 0xff) as well
/// as sending its Exit record, so that a ring buffer too full for the record
/// still stops obsc (user space reads it at every tick); the low byte is the
/// exit status.
inline constexpr const char *kExitMap = "obs_exit";
/// BPF_MAP_TYPE_STACK_TRACE: kstack/ustack frames by stack id.
inline constexpr const char *kStacksMap = "obs_stacks";
inline constexpr uint32_t kStackFrames = 127; ///< PERF_MAX_STACK_DEPTH
inline constexpr uint32_t kStackEntries = 4096;
/// Hash u32 tgid -> u32: processes already announced by a Pid record.
inline constexpr const char *kPidsMap = "obs_pids";
inline constexpr uint32_t kPidsEntries = 4096;

/// Read-only data (libbpf's "<obj>.rodata" map), set by the loader before
/// BPF_PROG_LOAD; the verifier sees these as constants once frozen.
struct ReadOnlyData {
  uint64_t startNs; ///< CLOCK_MONOTONIC at load: `elapsed` is nsecs - startNs
};
inline constexpr const char *kStartNsSymbol = "obs_start_ns";

inline constexpr uint32_t kDefaultRingbufBytes = 1u << 20;
inline constexpr uint32_t kDefaultMapEntries = 10240;
/// The largest per-CPU scratch region a program may use.
inline constexpr uint32_t kMaxScratchBytes = 16384;

//===-- Ring-buffer records ------------------------------------------------===//

enum class EventKind : uint32_t {
  Printf = 1, ///< id = format id; arguments follow at PrintfSpec offsets
  Exit = 2,   ///< exit(): user space stops after draining
  Print = 3,  ///< print(@m): id = map index
  Clear = 4,  ///< clear(@m): id = map index
  Zero = 5,   ///< zero(@m): id = map index
  Time = 6,   ///< time(fmt): id = format id (a strftime format, no arguments)
  Join = 7,   ///< join(argv[, sep]): id = format id (format = separator); then
              ///< kJoinArgs strings of kJoinArgSize bytes, empty after the last
  Record = 8, ///< `obsc record`: id = program index; a RecordHeader, then the
              ///< payload ProgramSpec::record describes (codegen/record.cpp)
  Cat = 9,    ///< cat(fmt, ...): laid out as Printf; the text is a file name
              ///< whose contents user space prints
  System = 10, ///< system(fmt, ...): laid out as Printf; the text is a shell
               ///< command user space runs (/bin/sh -c), printing its stdout
  Pid = 11,    ///< id = a tgid whose user addresses (ustack, usym) entered a
               ///< map key for the first time: user space reads its mappings
               ///< now, before it can exit (CodegenOptions::notePids)
};
inline constexpr uint32_t kJoinArgs = 16;
inline constexpr uint32_t kJoinArgSize = 64;

/// Every record starts with this header; records are 8-byte aligned.
struct EventHeader {
  uint32_t kind;
  uint32_t id;
};

/// How a stack prints (kstack(perf), ustack(bpftrace, 5)): bpftrace's
/// modes; Raw prints bare hex addresses.
enum class StackMode : uint8_t { Bpftrace, Perf, Raw };

/// One printf argument inside a Printf record. Integers are 8 bytes (sign
/// or zero extended); strings are NUL-terminated within `size` bytes.
struct FormatArg {
  /// KSym: an 8-byte kernel address the runtime prints as its symbol
  /// (ksym()); Inet: an InetAddr (ntop()) the runtime prints as text.
  /// Buffer: a buffer value of `size` bytes (buf(), kBufferHeader); Timestamp: a
  /// TimestampValue (strftime()).
  /// USym: 16 bytes, the user address then the tgid it belongs to (usym()).
  /// KStack: 8 bytes, a stack id in kStacksMap (negative: none). UStack: 16
  /// bytes, the stack id then the tgid. Stacks print with `mode`, at most
  /// `frames` frames.
  enum class Kind : uint8_t { Int, Uint, String, KSym, Inet, Buffer, Timestamp,
                              USym, KStack, UStack };
  Kind kind = Kind::Int;
  uint32_t offset = 0; ///< from the start of the record (header included)
  uint32_t size = 8;
  StackMode mode = StackMode::Bpftrace; ///< KStack, UStack
  uint32_t frames = kStackFrames;       ///< KStack, UStack
};

/// The format table: PrintfSpec i is format id i.
struct PrintfSpec {
  std::string format; ///< escapes decoded, as written in the script
  std::vector<FormatArg> args;
  uint32_t recordSize = sizeof(EventHeader);
  /// print(value) (codegen/print_value.cpp): the value's JSON shape, one
  /// conversion per argument: %d %u numbers, %s quoted text, %r bare text
  /// (`[%d,%s]`). Empty for printf. `format` prints its text.
  std::string json;
};

/// `obsc record` (CodegenOptions::record): every probe program first emits
/// one Record event: this header, then its payload at kRecordPayload.
struct RecordHeader {
  EventHeader h;    ///< kind Record, id = program index
  uint64_t ts;      ///< bpf_ktime_get_ns() - startNs
  uint64_t pidTgid; ///< tgid << 32 | pid
  uint32_t cpu;
  uint32_t pad;
  char comm[16];
  uint64_t cgroup;
  uint32_t uid, gid;
  uint32_t ppid; ///< 0 without task_struct BTF
  uint32_t pad2;
};
static_assert(sizeof(RecordHeader) == 72, "RecordHeader layout");
inline constexpr uint32_t kRecordPayload = sizeof(RecordHeader);
/// Bytes kept after a tracepoint's fixed record for `__data_loc` data, and
/// the capacity of each `char *` field's string (read at the event).
inline constexpr uint32_t kRecordDynBytes = 256;
inline constexpr uint32_t kRecordStringSize = 128;

/// What follows a program's RecordHeader.
struct RecordLayout {
  uint32_t size = 0;     ///< whole record bytes; 0: the program records nothing
  uint32_t words = 0;    ///< u64 arguments at kRecordPayload (regs, usdt args)
  bool retval = false;   ///< return probes: one u64, the return value
  uint32_t rawBytes = 0; ///< tracepoints: the raw record's first bytes
  /// Tracepoint `char *` fields: (field offset in the raw record, offset of
  /// its kRecordStringSize-byte string in this record).
  std::vector<std::pair<uint32_t, uint32_t>> strings;
};

//===-- Script maps --------------------------------------------------------===//

/// What a map value holds and its byte layout (per CPU for per-CPU maps):
enum class ValueKind : uint8_t {
  Int,    ///< plain `@x = expr`: int64
  String, ///< plain `@x = str`: char[stringSize]
  Count,  ///< int64
  Sum,    ///< int64
  Min,    ///< { int64 value; uint64 set; } (set = 0: no value on this CPU)
  Max,    ///< { int64 value; uint64 set; }
  Avg,    ///< { int64 total; uint64 count; }
  Stats,  ///< { int64 total; uint64 count; }
  Hist,   ///< uint64[kHistBuckets], see obs_log2_bucket below
  Lhist,  ///< uint64[(max - min) / step + 2]
  Tuple,  ///< plain `@x = (a, b)`: parts laid out as keys are (valueFields)
  Fit,      ///< windowed slope/r2/predict: obs_win_fit
  Quantile, ///< windowed quantile: obs_win_quantile
  Rendered, ///< plain `@x = buf(..)` or strftime(..): valueFields[0] (a
            ///< Buffer or Timestamp field), printed as text
};

/// Hist buckets: 0 holds values < 0, 1 holds 0, i >= 2 holds
/// [2^(i-2), 2^(i-1)). Lhist: 0 holds values < min, the last bucket values
/// >= max, bucket i in between [min + (i-1)*step, min + i*step).
inline constexpr uint32_t kHistBuckets = 66;

/// KSym/USym values with this bit set are not addresses but indices into
/// ObjectSpec::symbols: `func` is known per program at compile time.
inline constexpr uint64_t kStaticSymbolBit = 1ull << 63;

/// The value of ntop(): an address family (AF_INET 2, AF_INET6 10) and the
/// address bytes in network order (4 used for AF_INET).
struct InetAddr {
  uint64_t family;
  uint8_t addr[16];
};
static_assert(sizeof(InetAddr) == 24, "InetAddr layout");

/// The value of buf(p, n) (a buffer[N]): a uint64 length (the bytes read,
/// at most N), then N bytes rounded up to 8, zero after the length.
inline constexpr uint32_t kBufferHeader = 8;

/// The value of strftime(fmt, ns): the format (an ObjectSpec::formats id)
/// and the monotonic time, turned into wall-clock text by user space.
struct TimestampValue {
  uint64_t format;
  uint64_t nsecs;
};
static_assert(sizeof(TimestampValue) == 16, "TimestampValue layout");

/// One component of a packed key; each starts 8-byte aligned.
struct KeyField {
  /// KStack: 8 bytes holding the stack id in kStacksMap (negative: the
  /// kernel could not take the stack). UStack: 16 bytes, the stack id then
  /// the tgid the frames belong to; USym: 16 bytes, the address then the
  /// tgid. (Inside tuples UStack/USym keep 8 bytes and no tgid: they print
  /// as addresses.)
  /// KSym, Inet, Buffer, Timestamp: as in FormatArg; map dumps turn them
  /// into String parts.
  enum class Kind : uint8_t { Int, Uint, String, KStack, UStack, KSym, Inet, USym, Buffer,
                              Timestamp };
  Kind kind = Kind::Uint;
  uint32_t offset = 0;
  uint32_t size = 8;
  StackMode mode = StackMode::Bpftrace; ///< KStack, UStack
  uint32_t frames = kStackFrames;       ///< KStack, UStack: printed at most
};

struct MapSpec {
  std::string name;    ///< "@forks", "@" for the anonymous map
  std::string bpfName; ///< the ELF symbol and libbpf map name
  ValueKind kind = ValueKind::Int;
  bool perCpu = false;
  bool isArray = false; ///< keyless: an array with one slot, key u32 0
  uint32_t keySize = 4;
  uint32_t valueSize = 8; ///< one CPU's value
  uint32_t maxEntries = 1;
  uint32_t mapFlags = 0;  ///< BPF_F_NO_PREALLOC for large values
  std::vector<KeyField> key; ///< empty for keyless maps
  std::vector<KeyField> valueFields; ///< ValueKind::Tuple
  bool valueSigned = true;
  uint32_t stringSize = 0; ///< ValueKind::String
  int64_t lhistMin = 0, lhistMax = 0, lhistStep = 1;

  /// Windowed maps (`over W [every S]`): partial state per key, per slot and
  /// per CPU, laid out as runtime/window/partials.h says (obs_win_scalar for
  /// count sum avg min max stats rate; obs_win_hist; scalar + buckets for
  /// lhist). The key is the user key (`key`) followed by the slot index, a
  /// uint64 at `keySize - 8`: slot j = (ktime - startNs) / step lands at
  /// index j % windowSlots and its header's seq is j + 1. `kind` is the
  /// layout (Count for scalar partials, Hist, Lhist, Fit for obs_win_fit,
  /// Quantile for obs_win_quantile); `function` the
  /// aggregation ("rate", "count", ...).
  bool windowed = false;
  uint64_t overNs = 0, everyNs = 0; ///< everyNs == overNs: tumbling
  uint32_t windowSlots = 0;         ///< OBS_WIN_SLOTS(over, every)
  std::string function;
  /// When an alert reads the map: a hash (shared by the CPUs) with the same
  /// key holding an obs_exemplar_slot (partials.h) per key and slot: the
  /// event that took the slot's count past `exemplarThreshold`, else the
  /// latest event.
  std::string exemplarMap;
  int64_t exemplarThreshold = -1; ///< -1: none (the latest event)
  /// Every exemplar captures the stacks (an alert body uses them); else
  /// only the one taken at the threshold's crossing.
  bool exemplarStacks = false;
  /// Keyed count/sum/avg/stats maps not read by the program: the name of
  /// their write-combining cache (kCombineSlots, kCombineHeader), or empty.
  std::string combineMap;
};

/// Per-CPU array, one uint64 per script map: windowed events that landed in
/// a slot already reused by a newer one (late), by map index.
inline constexpr const char *kLateMap = "obs_late";
/// Per-CPU array, one uint64 per script map: updates dropped because the
/// map was full (its insert failed), by map index.
inline constexpr const char *kFullMap = "obs_full";

/// Write-combining cache of a keyed count/sum/avg/stats map that the
/// program never reads (MapSpec::combineMap): a per-CPU array of
/// kCombineSlots entries, direct-mapped by a hash of the key, each
/// { uint64 n; int64 sum; key[keySize] }. An event whose key is in its slot
/// adds to it in place; another key first adds the slot's n/sum into the
/// hash entry, then takes the slot. n == 0: the slot is empty. User space
/// adds every CPU's slots to the hash entries when it reads the map (after
/// reading the hash: a flush racing the read is missed, never counted twice).
inline constexpr uint32_t kCombineSlots = 256;
inline constexpr uint32_t kCombineHeader = 16;

//===-- Programs -----------------------------------------------------------===//

enum class AttachKind : uint8_t {
  Begin, End, ///< raw_tracepoint programs run once with BPF_PROG_TEST_RUN
  Tracepoint, RawTracepoint, Kprobe, Kretprobe, Fentry, Fexit,
  Uprobe, Uretprobe, PerfEvent,
};

struct ProgramSpec {
  std::string name;    ///< the BPF program (function) name
  std::string section; ///< ELF section, decides the program type
  AttachKind kind = AttachKind::Begin;
  std::string probe;   ///< the attach point as written, for messages
  std::string target;  ///< tracepoint category, uprobe binary
  std::string func;    ///< tracepoint event, function, raw tracepoint
  uint64_t offset = 0; ///< uprobe/kprobe offset (or address for uprobes)
  bool hasAddress = false;
  uint64_t usdtSemaphore = 0; ///< usdt: the semaphore's address (0: none)
  // PerfEvent
  uint32_t perfType = 0;   ///< PERF_TYPE_SOFTWARE, PERF_TYPE_HARDWARE
  uint64_t perfConfig = 0; ///< PERF_COUNT_SW_CPU_CLOCK ...
  uint64_t period = 0;     ///< sample_period, or frequency when `freq`
  bool freq = false;
  bool allCpus = true;     ///< profile/software: every CPU; interval: one
  RecordLayout record;     ///< `obsc record` only
  /// A kprobe/kretprobe compiled as fentry/fexit (CodegenOptions::
  /// kprobesAsFentry): for messages.
  bool viaFentry = false;
};

/// Everything the runtime needs besides the ELF bytes.
struct ObjectSpec {
  std::vector<ProgramSpec> programs;
  std::vector<MapSpec> maps; ///< script maps; index = map id in records
  std::vector<PrintfSpec> formats;
  std::vector<std::string> symbols; ///< static symbols (kStaticSymbolBit)
  uint32_t ringbufBytes = kDefaultRingbufBytes;
};

/// A compiled kernel half: an ELF object libbpf can open from memory.
struct BpfObject {
  std::vector<char> elf;
  ObjectSpec spec;
};

} // namespace obs::contract
