//===- stream.h - synthetic event streams for rule tests
//-------------------===//
//
// `obsc test FILE --stream SPEC` describes events by rate and duration
// (spec §15.2), so that a rule test is one line:
//
//   tracepoint:sched:sched_process_fork 5000/s with parent_pid=42 for 10s,
//     then 10/s for 20s
//
// parseStream() checks the text and builds a Stream; StreamGenerator turns
// it into ReplayEvents in timestamp order, deterministically and lazily (a
// ten-minute stream at 100k/s is not materialised). docs/windows.md has the
// grammar, including obs's additions: ramps (`0/s to 100/s`), a start time
// (`at 5s:`), and `cpu=0..3` for round-robin CPUs.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/replay/events.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace obs::replay {

/// `name=value` in a source's `with` list.
struct StreamField {
  enum class Target : uint8_t { Builtin, ArgName, ArgIndex };
  enum class Kind : uint8_t {
    Constant, ///< a
    Range,    ///< a..b: event i gets a + i mod (b - a + 1)
    Growth,   ///< a + rate: a + rate · (ts - phase start) in seconds
    String,   ///< s
  };
  Target target = Target::ArgName;
  std::string name;   ///< builtin or argument name
  uint32_t index = 0; ///< ArgIndex: K of argK
  Kind kind = Kind::Constant;
  int64_t a = 0, b = 0;
  long double rate = 0;
  std::string s;
};

struct StreamSource {
  std::string probe;
  long double rateFrom = 0; ///< events per second at the phase start
  long double rateTo = 0;   ///< at its end (== rateFrom unless a ramp)
  std::vector<StreamField> fields;
};

struct StreamPhase {
  uint64_t startNs = 0, durationNs = 0;
  std::vector<StreamSource> sources;
};

struct Stream {
  std::vector<StreamPhase> phases;
  uint64_t endNs = 0; ///< end of the last phase: where the session ends
};

struct StreamOptions {
  /// The probe of sources that name none, when the program has exactly one
  /// probe other than BEGIN, END and interval; empty otherwise.
  std::string defaultProbe;
};

/// Parses SPEC. On error returns false and sets `error` to
/// `stream:1:COL: error: MESSAGE`.
bool parseStream(std::string_view text, const StreamOptions &opts, Stream &out,
                 std::string &error);

/// Events of a Stream in ts order (ties in source order).
class StreamGenerator {
public:
  explicit StreamGenerator(const Stream &s);
  /// The next event into `ev`; false when the stream is over.
  bool next(ReplayEvent &ev);
  uint64_t endNs() const { return stream_.endNs; }

private:
  bool startPhase();
  /// Time offset from the phase start of event i of source s, or false
  /// when the source has no event i within the phase.
  bool eventTime(const StreamSource &s, uint64_t i, uint64_t durationNs,
                 uint64_t &offset) const;
  void fill(const StreamSource &s, uint64_t i, uint64_t ts, uint64_t t0,
            ReplayEvent &ev) const;

  const Stream &stream_;
  size_t phase_ = 0;
  bool started_ = false;
  std::vector<uint64_t> index_;  ///< next event index per source
  std::vector<uint64_t> nextTs_; ///< its time, UINT64_MAX when done
};

} // namespace obs::replay
