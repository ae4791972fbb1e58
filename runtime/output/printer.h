//===- printer.h - what obs prints: text and JSON output formats ----------===//
//
// Everything obs shows the user goes through one OutputFormat: map dumps,
// printf and time() lines, print() of values, lost events, and obs's own
// window and alert records. TextOutput reproduces bpftrace 0.17's text,
// JsonOutput its `-f json` (one object a line, bpftrace's type names); the
// formats are written down in docs/output.md.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/sema/types.h"
#include "runtime/maps.h"
#include "runtime/window/window_types.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace obs::output {

/// One address to name: a stack frame, a usym()/ksym() value.
struct SymbolQuery {
  uint64_t addr = 0;
  bool user = false;
  uint32_t pid = 0;    ///< user: the tgid the address belongs to (0: unknown)
  bool offset = true;  ///< `func+off` (stack frames); false: `func` (usym)
  bool module = false; ///< user: append ` (module)` (perf-mode stacks)
};

/// Turns an address into `func+off` (or `0x7f..` when unknown). Built from
/// a function of a SymbolQuery, or of (addr, user) alone, which then
/// ignores the pid and the style.
class Symbolizer {
public:
  using Fn = std::function<std::string(const SymbolQuery &q)>;
  Symbolizer() = default;
  Symbolizer(Fn f) : fn_(std::move(f)) {}
  template <
      typename F,
      std::enable_if_t<std::is_invocable_r_v<std::string, F, uint64_t, bool> &&
                           !std::is_invocable_v<F, const SymbolQuery &>,
                       int> = 0>
  Symbolizer(F f)
      : fn_([f = std::move(f)](const SymbolQuery &q) {
          return f(q.addr, q.user);
        }) {}
  explicit operator bool() const { return bool(fn_); }
  std::string operator()(const SymbolQuery &q) const { return fn_(q); }
  std::string operator()(uint64_t addr, bool user) const {
    SymbolQuery q;
    q.addr = addr;
    q.user = user;
    return fn_(q);
  }

private:
  Fn fn_;
};

/// Wall-clock time, for time().
using WallTime = std::chrono::system_clock::time_point;

/// print(@m, top, div): only the `top` largest entries (0: all), values
/// divided by `div` (integer division; 0 or 1: unchanged).
struct PrintOptions {
  uint64_t top = 0;
  uint64_t div = 1;
};

/// Loss counted per window (spec §11): the time engine's counters.
using window::LossCounts;

/// One key of a closed window.
struct WindowEntry {
  std::vector<KeyPart> key; ///< empty for a keyless map
  double number = 0;        ///< WindowDump::numeric: rate, slope, r2, ...
  MapValue value;           ///< otherwise: as in a MapDump of `kind`
};

/// One closed window of a windowed map (`@forks = rate() over 1s`): what the
/// evaluator hands over when the watermark passes the window's end.
struct WindowDump {
  std::string map;                  ///< "@forks"
  std::string aggregation;          ///< "rate", "slope", "count", "hist", ...
  Quantity quantity;                ///< of the values: decides JSON "unit"
  uint64_t overNs = 0, everyNs = 0; ///< everyNs == overNs: tumbling
  uint64_t startNs = 0, endNs = 0;  ///< from the session origin
  bool partial = false;             ///< closed early, at exit
  LossCounts lost;
  bool numeric = false; ///< values are WindowEntry::number (floats)
  MapValueKind kind = MapValueKind::Count; ///< when !numeric
  bool isSigned = true;
  int64_t lhistMin = 0, lhistMax = 0, lhistStep = 1;
  std::vector<WindowEntry> entries;
};

/// The exemplar: what was true in the kernel at the event that made the
/// window cross (spec §10.5). The process may be gone by now.
struct Exemplar {
  bool present = false;
  std::string comm;
  uint32_t pid = 0, tid = 0, ppid = 0, uid = 0, gid = 0, cpu = 0;
  uint64_t cgroup = 0;
  uint64_t tsNs = 0;                    ///< from the session origin
  std::vector<uint64_t> kstack, ustack; ///< innermost first; may be empty
  /// When the frames are empty: the stack ids (obs_stacks) the output's
  /// stack reader turns into frames when it prints (-1: none).
  int64_t kstackId = -1, ustackId = -1;
};

/// One state change of one alert instance (spec §10.3, §13.4).
struct AlertRecord {
  enum class State : uint8_t { Pending, Firing, Resolved };
  std::string name; ///< "fork_storm"
  State state = State::Firing;
  /// The key variables without `$` and their values; empty when unkeyed.
  std::vector<std::pair<std::string, KeyPart>> key;
  uint64_t tsNs = 0; ///< the evaluation time, from the session origin
  uint64_t windowStartNs = 0, windowEndNs = 0; ///< the window evaluated
  std::string summary; ///< Firing: summary() or the default summary
  /// The map values COND read: "@forks[1234]" and the value.
  std::vector<std::pair<std::string, double>> values;
  Exemplar exemplar;
  LossCounts lost; ///< any loss makes the record degraded
  // Resolved only:
  uint64_t firedNs = 0; ///< how long it fired
  uint64_t repeats = 0;
  double peak = 0;
  Quantity peakQuantity;    ///< prints the peak with its unit
  bool stillFiring = false; ///< resolved because the session ended
};

const char *
alertStateName(AlertRecord::State s); ///< "PENDING", "FIRING", "RESOLVED"

/// The printable part of a kernel exemplar: times made relative to the
/// session origin (kernel ns). Stacks are left as ids (kstackId, ustackId):
/// the output's stack reader resolves them, or the caller fills the frames.
Exemplar exemplarFromKernel(const obs_exemplar &x, uint64_t originNs);

/// The output stage's one interface. Printers write whole lines; per-event
/// lines (printf, time) are not flushed here: obsc flushes each one on a
/// terminal and at every session tick (at most 100 ms apart) otherwise, so
/// piping obs into another tool works live without a write per line.
/// `out` takes the program's output; `err` the banner and loss warnings in
/// text mode (spec §13.1). JSON puts everything on `out`, as bpftrace does.
class OutputFormat {
public:
  OutputFormat(std::ostream &out, std::ostream &err) : out_(out), err_(err) {}
  explicit OutputFormat(std::ostream &out);
  virtual ~OutputFormat() = default;

  /// Stack frames in keys, values and exemplars are resolved with this; by
  /// default addresses print as hex.
  void setSymbolizer(Symbolizer s) { symbolize_ = std::move(s); }
  /// Frames of a stack id (obs_stacks), for exemplars that carry ids.
  using StackReader = std::function<std::vector<uint64_t>(int64_t id)>;
  void setStackReader(StackReader r) { readStack_ = std::move(r); }

  /// `Attaching N probes...` once probes are attached.
  virtual void printAttached(uint64_t probes) = 0;
  /// The two blank lines bpftrace prints between the END probes and the
  /// maps dumped at exit.
  virtual void printExitSeparator() = 0;
  /// A map dump, at exit or for print(@m[, top[, div]]).
  virtual void printMap(const MapDump &map, const PrintOptions &opts = {}) = 0;
  /// print(value) of a non-map value: an integer, a string, a stack.
  virtual void printValue(const KeyPart &value) = 0;
  /// An already formatted printf().
  virtual void printPrintf(std::string_view text) = 0;
  /// print(value) of a record: `text` formatted, `json` its JSON
  /// (formatValueJson). Text prints `text` as printf does.
  virtual void printValueRecord(std::string_view text, std::string_view json) {
    printPrintf(text);
  }
  /// time(fmt): `fmt` is strftime's, default "%H:%M:%S\n", local time.
  virtual void printTime(std::string_view fmt, WallTime when) = 0;
  /// One closed window of a windowed map.
  virtual void printWindow(const WindowDump &w) = 0;
  /// One alert state change.
  virtual void printAlert(const AlertRecord &a) = 0;
  /// `count` events of kind `counter` lost outside windows in the last second.
  virtual void printLost(uint64_t count,
                         std::string_view counter = "ringbuf") = 0;
  /// The session's total loss, at exit; prints nothing when it is zero.
  virtual void printLostTotal(const LossCounts &lost) = 0;

protected:
  std::ostream &out_;
  std::ostream &err_;
  Symbolizer symbolize_;
  StackReader readStack_;
  /// An exemplar's frames: its own, else its stack id's through readStack_.
  std::vector<uint64_t> exemplarFrames(const Exemplar &x, bool user) const;
};

/// bpftrace's text format, and obs's window and alert lines.
class TextOutput final : public OutputFormat {
public:
  using OutputFormat::OutputFormat;
  void printAttached(uint64_t probes) override;
  void printExitSeparator() override;
  void printMap(const MapDump &map, const PrintOptions &opts = {}) override;
  void printValue(const KeyPart &value) override;
  void printPrintf(std::string_view text) override;
  void printTime(std::string_view fmt, WallTime when) override;
  void printWindow(const WindowDump &w) override;
  void printAlert(const AlertRecord &a) override;
  void printLost(uint64_t count, std::string_view counter = "ringbuf") override;
  void printLostTotal(const LossCounts &lost) override;
};

/// bpftrace's `-f json`: one `{"type": ..., "data": ...}` object a line.
class JsonOutput final : public OutputFormat {
public:
  using OutputFormat::OutputFormat;
  void printAttached(uint64_t probes) override;
  void printExitSeparator() override;
  void printMap(const MapDump &map, const PrintOptions &opts = {}) override;
  void printValue(const KeyPart &value) override;
  void printPrintf(std::string_view text) override;
  void printValueRecord(std::string_view text, std::string_view json) override;
  void printTime(std::string_view fmt, WallTime when) override;
  void printWindow(const WindowDump &w) override;
  void printAlert(const AlertRecord &a) override;
  void printLost(uint64_t count, std::string_view counter = "ringbuf") override;
  void printLostTotal(const LossCounts &lost) override;
};

/// "text" or "json" (the -f argument); nullptr for anything else.
std::unique_ptr<OutputFormat> makeOutput(std::string_view format,
                                         std::ostream &out, std::ostream &err);

//===-- Helpers shared by the printers (and useful to the runtime) --------===//

/// Key order: part by part; integers as unsigned 64-bit values (bpftrace puts
/// -2 after 3), strings bytewise, stacks by address.
bool keyLess(const std::vector<KeyPart> &a, const std::vector<KeyPart> &b);

/// Entries in bpftrace's print order (see docs/output.md), `top` applied.
std::vector<const MapEntry *> orderedEntries(const MapDump &map,
                                             uint64_t top = 0);

/// A stack as bpftrace renders it: a leading newline, then one frame a
/// line, each indented by `indent` spaces (4 in map keys, 8 in printf and
/// print()). Zero addresses end the stack.
std::string renderStack(const std::vector<uint64_t> &frames, bool user,
                        unsigned indent, const Symbolizer &symbolize);
/// The same for a stack key or value (KeyPart::Kind::Stack): its frame
/// limit, its mode (perf: `\t7f12ab func+off (module)` lines; raw: bare hex
/// lines) and, for a user stack, its process.
std::string renderStack(const KeyPart &stack, unsigned indent,
                        const Symbolizer &symbolize);
/// A key's parts as text joined by `sep`: numbers, strings, stacks as
/// their frames (indented 4 in keys, 8 in values, as bpftrace).
std::string joinKeyParts(const std::vector<KeyPart> &key, std::string_view sep,
                         const Symbolizer &sym, unsigned stackIndent = 4);
/// The general form: `pid` is the process of user frames (0: unknown).
std::string renderStack(const std::vector<uint64_t> &frames, bool user,
                        uint32_t pid, contract::StackMode mode, unsigned indent,
                        const Symbolizer &symbolize);

/// avg as bpftrace computes it: total / count truncated toward zero, 0 when
/// empty.
int64_t averageOf(const MapValue &v);

/// strftime in local time; `%f` is not expanded (bpftrace 0.17 neither).
std::string formatWallTime(std::string_view fmt, WallTime when);

/// A JSON string literal with quotes (lang/support/json_text.h).
std::string jsonString(std::string_view s);

/// Numbers (spec §13.5): integral values without a decimal point, others
/// with at most 3 decimals, trailing zeros and point removed: 52.333, 50.
std::string formatNumber(double v);

/// A value with its unit (spec §13.5, `%v`): counts and plain numbers bare,
/// durations in ns/us/ms/s, sizes in B/KB/MB/GB/TB (the largest keeping the
/// value >= 1), rates with `/s`: `5000/s`, `1.5MB`, `12.5ms`, `1.2MB/s`.
std::string formatQuantity(double v, Quantity q);

/// Seconds from the session origin with three decimals: `13.000s`.
std::string formatSeconds(uint64_t ns);

/// The JSON `unit` of a quantity: "", "count", "bytes", "ns", "/s",
/// "count/s", "bytes/s", "ns/s".
const char *jsonUnit(Quantity q);

} // namespace obs::output
