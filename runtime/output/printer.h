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

#include "runtime/maps.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace obs::output {

/// Turns a stack address into `func+off` (or `0x7f..` when unknown).
using Symbolizer = std::function<std::string(uint64_t addr, bool user)>;

/// Wall-clock time, as the runtime converts kernel timestamps for display.
using WallTime = std::chrono::system_clock::time_point;

/// print(@m, top, div): only the `top` largest entries (0: all), values
/// divided by `div` (integer division; 0 or 1: unchanged).
struct PrintOptions {
  uint64_t top = 0;
  uint64_t div = 1;
};

/// One closed window of one key of a windowed map (`@forks = rate() over 1s`).
struct WindowRecord {
  enum class Shape : uint8_t {
    Number, ///< rate, slope, r2, predict, quantile, count, sum, min, max, avg
    Stats,  ///< `value.count`, `value.total`
    Hist,   ///< `value.buckets`, log2
    Lhist,  ///< `value.buckets`, lhistMin/Max/Step
  };
  std::string map;              ///< "@forks"
  std::string function;         ///< "rate", "slope", "count", ...: JSON only
  std::vector<KeyPart> key;     ///< empty for a keyless map
  WallTime start, end;          ///< the window is [start, end)
  Shape shape = Shape::Number;
  double number = 0;            ///< Number
  std::string unit;             ///< appended to Number: "/s", " B/s", " B", ""
  MapValue value;               ///< Stats, Hist, Lhist
  int64_t lhistMin = 0, lhistMax = 0, lhistStep = 1;
  uint64_t lost = 0;            ///< events lost while this window was open
};

/// What was true in the kernel at the event that made an alert's window
/// cross (brief §3): the process may be gone by the time user space looks.
struct AlertContext {
  bool present = false;
  std::string comm;
  uint32_t pid = 0, ppid = 0;
  uint64_t cgroup = 0;
  std::vector<uint64_t> kstack, ustack; ///< innermost first; may be empty
};

/// One state change of one alert for one key.
struct AlertRecord {
  enum class State : uint8_t { Pending, Firing, Resolved };
  std::string name;             ///< "fork_storm"
  State state = State::Firing;
  std::vector<KeyPart> key;     ///< the values bound by the condition
  std::vector<std::string> keyNames; ///< "ppid" for `$ppid`; may be empty
  WallTime at;                  ///< the window end that changed the state
  double value = 0;             ///< the value the condition compared
  std::string unit;             ///< as in WindowRecord
  std::string summary;          ///< the formatted summary(...), may be empty
  uint64_t repeats = 0;         ///< crossings folded into this record since the last
  uint64_t lost = 0;            ///< loss in the window the value came from
  AlertContext context;
};

const char *alertStateName(AlertRecord::State s); ///< "PENDING", "FIRING", "RESOLVED"

/// The output stage's one interface. Printers write whole lines and flush
/// after per-event output, so piping obs into another tool works live.
class OutputFormat {
public:
  explicit OutputFormat(std::ostream &out) : out_(out) {}
  virtual ~OutputFormat() = default;

  /// Stack frames in keys and values are resolved with this; by default
  /// addresses print as hex.
  void setSymbolizer(Symbolizer s) { symbolize_ = std::move(s); }

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
  /// time(fmt): `fmt` is strftime's, default "%H:%M:%S\n", local time.
  virtual void printTime(std::string_view fmt, WallTime when) = 0;
  /// One closed window.
  virtual void printWindow(const WindowRecord &w) = 0;
  /// One alert state change.
  virtual void printAlert(const AlertRecord &a) = 0;
  /// Events dropped by the ring buffer since the last report.
  virtual void printLost(uint64_t count) = 0;

protected:
  std::string symbol(uint64_t addr, bool user) const;
  std::ostream &out_;
  Symbolizer symbolize_;
};

/// bpftrace's text format.
class TextOutput final : public OutputFormat {
public:
  using OutputFormat::OutputFormat;
  void printAttached(uint64_t probes) override;
  void printExitSeparator() override;
  void printMap(const MapDump &map, const PrintOptions &opts = {}) override;
  void printValue(const KeyPart &value) override;
  void printPrintf(std::string_view text) override;
  void printTime(std::string_view fmt, WallTime when) override;
  void printWindow(const WindowRecord &w) override;
  void printAlert(const AlertRecord &a) override;
  void printLost(uint64_t count) override;
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
  void printTime(std::string_view fmt, WallTime when) override;
  void printWindow(const WindowRecord &w) override;
  void printAlert(const AlertRecord &a) override;
  void printLost(uint64_t count) override;
};

/// "text" or "json" (the -f argument); nullptr for anything else.
std::unique_ptr<OutputFormat> makeOutput(std::string_view format, std::ostream &out);

//===-- Helpers shared by the printers (and useful to the runtime) --------===//

/// Entries in bpftrace's print order (see docs/output.md), `top` applied.
std::vector<const MapEntry *> orderedEntries(const MapDump &map, uint64_t top = 0);

/// A stack as bpftrace renders it: a leading newline, then one frame a
/// line, each indented by `indent` spaces (4 in map keys, 8 in printf and
/// print()). Zero addresses end the stack.
std::string renderStack(const std::vector<uint64_t> &frames, bool user,
                        unsigned indent, const Symbolizer &symbolize);

/// avg as bpftrace computes it: total / count truncated toward zero, 0 when
/// empty.
int64_t averageOf(const MapValue &v);

/// strftime in local time; `%f` is not expanded (bpftrace 0.17 neither).
std::string formatWallTime(std::string_view fmt, WallTime when);

/// A JSON string literal with quotes: \" \\ \n \r \t \b \f, other control
/// bytes as \u00XX; bytes >= 0x80 are passed through (UTF-8 stays UTF-8).
std::string jsonString(std::string_view s);

/// Number formatting for window values: integral values without a decimal
/// point, others with up to 3 decimals, trailing zeros removed.
std::string formatNumber(double v);

} // namespace obs::output
