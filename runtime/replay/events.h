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
#include <memory>
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
  /// Nonzero: every event with this value has the same probe and the same
  /// argument names in the same order (the readers and the stream
  /// generator set it, so that a consumer finds the probe and maps names
  /// to fields once per shape). Set it to 0 when changing either.
  uint64_t shape = 0;

  /// The argument named `name`, or nullptr.
  const ReplayValue *arg(std::string_view name) const;
  /// Positional argument k, or nullptr.
  const ReplayValue *arg(size_t k) const {
    return k < args.size() ? &args[k].value : nullptr;
  }
  /// Back to the defaults, keeping capacity.
  void reset();
};

/// A shape value no other producer has handed out.
uint64_t newEventShape();

/// Parses one line of an events file into `ev` (reset first). Returns false
/// with a message in `error` when the line is not a valid event.
bool parseEventLine(std::string_view line, ReplayEvent &ev, std::string &error);

class BinaryEventDecoder;

/// Reads an events file line by line, skipping blank lines and `#` comments;
/// or a binary events file (event_binary.h), told by its first bytes.
///
/// Lines are read in large blocks. A line is first matched against the
/// shapes of lines seen before (the same keys, argument names and value
/// kinds, in the same order, with the same spacing: every line `obsc
/// record` writes for one probe has one shape), which only compares the
/// text between the values and converts the values; a line of a new shape
/// goes through the fast parser (and its shape is learnt), then, if need
/// be, the general one.
class EventReader {
public:
  explicit EventReader(std::istream &in);
  /// Reads events from memory (a mapped file, say), which must outlive it.
  explicit EventReader(std::string_view data);
  ~EventReader();
  /// The next event; false at the end or on an error (then error() is set,
  /// as `line N: message`, or `record N: message` in a binary file). Pass the
  /// same event each time: what did not change from the last line is kept.
  bool next(ReplayEvent &ev);
  const std::string &error() const { return error_; }
  uint64_t lineNumber() const { return line_; }

private:
  /// The next line (without its newline), read in large blocks.
  bool nextLine(std::string_view &line);
  /// Reads another block after the unread bytes; false at the end.
  bool more();
  /// The next event of a binary events file (event_binary.h).
  bool nextBinary(ReplayEvent &ev);

  struct Shapes;
  std::unique_ptr<BinaryEventDecoder> binary_; ///< a binary file
  bool started_ = false;

  std::istream *in_ = nullptr; ///< null: reading from memory
  std::unique_ptr<Shapes> shapes_;
  std::vector<char> buf_;
  const char *cur_ = nullptr, *end_ = nullptr; ///< unread bytes
  bool eof_ = false;
  std::string error_;
  uint64_t line_ = 0;
};

/// Writes `ev` as one line of the events format (no newline): what `obsc
/// record` emits and parseEventLine reads back.
std::string formatEventLine(const ReplayEvent &ev);

} // namespace obs::replay
