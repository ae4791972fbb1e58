//===- events.h - replay events and the JSON-lines event file reader
//-------===//
//
// `obsc test FILE --events EVENTS` replays recorded events: one JSON object
// a line (spec §15.1). The reader is dependency-free and reuses the event it
// fills, so reading a file does not allocate per line once strings and
// argument lists have reached their size. Synthetic streams (stream.h)
// produce the same ReplayEvent.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace obs::replay {

/// An argument value: an integer, a string (a pointer to that string for
/// str()), or an array of integers (array fields).
struct ReplayValue {
  enum class Kind : uint8_t { Int, String, IntArray };
  Kind kind = Kind::Int;
  int64_t i = 0;
  std::string s;
  std::vector<int64_t> array;
};

/// One argument: by field name (tracepoint, fentry) or by position (kprobe,
/// uprobe, usdt, rawtracepoint: `name` empty, position = index in args).
struct ReplayArg {
  std::string name;
  ReplayValue value;
};

struct ReplayEvent {
  std::string probe; ///< "tracepoint:sched:sched_process_fork"
  uint64_t ts = 0;   ///< ns since the session origin
  uint32_t cpu = 0;
  uint32_t pid = 0, tid = 0, ppid = 0, uid = 0, gid = 0;
  uint64_t cgroup = 0;
  std::string comm;
  std::vector<ReplayArg> args;
  bool positionalArgs = false; ///< args was a JSON array
  bool hasRetval = false;
  int64_t retval = 0;
  std::vector<std::string> kstack, ustack; ///< "symbol+offset", innermost first
  bool watermarkOnly = false; ///< a `{"watermark": TS}` line: no event

  /// The argument named `name`, or nullptr.
  const ReplayValue *arg(std::string_view name) const;
  /// Positional argument k, or nullptr.
  const ReplayValue *arg(size_t k) const {
    return k < args.size() ? &args[k].value : nullptr;
  }
  /// Back to the defaults, keeping capacity.
  void reset();
};

/// Parses one line of an events file into `ev` (reset first). Returns false
/// with a message in `error` when the line is not a valid event.
bool parseEventLine(std::string_view line, ReplayEvent &ev, std::string &error);

/// Reads an events file line by line, skipping blank lines and `#` comments.
class EventReader {
public:
  explicit EventReader(std::istream &in) : in_(in) {}
  /// The next event; false at the end or on an error (then error() is set,
  /// as `line N: message`).
  bool next(ReplayEvent &ev);
  const std::string &error() const { return error_; }
  uint64_t lineNumber() const { return line_; }

private:
  std::istream &in_;
  std::string buf_;
  std::string error_;
  uint64_t line_ = 0;
};

/// Writes `ev` as one line of the events format (no newline): what `obsc
/// record` emits and parseEventLine reads back.
std::string formatEventLine(const ReplayEvent &ev);

} // namespace obs::replay
