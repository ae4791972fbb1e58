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
///
/// Each source is compiled once into a template event (probe, defaults,
/// constant fields, argument names); an event then only writes its time
/// and the fields that vary (ranges, growth), so generation does not
/// allocate or compare names per event.
class StreamGenerator {
public:
  explicit StreamGenerator(const Stream &s);
  /// The next event, or null when the stream is over. It is the
  /// generator's own, valid until the next call.
  const ReplayEvent *next();
  /// The next event copied into `ev`; false when the stream is over. An
  /// `ev` this filled before (same shape) only gets what varies.
  bool next(ReplayEvent &ev);
  uint64_t endNs() const { return stream_.endNs; }

  /// Where a field writes in its source's template event.
  struct Slot {
    enum class Kind : uint8_t {
      Pid,
      Tid,
      Ppid,
      Uid,
      Gid,
      Cgroup,
      Cpu,
      Retval,
      Comm,
      Arg
    };
    Kind kind = Kind::Arg;
    uint32_t arg = 0; ///< Arg: index in ReplayEvent::args
  };

private:
  /// A source compiled: its template and the fields that vary per event.
  struct Compiled {
    ReplayEvent tmpl;
    struct Varying {
      const StreamField *field;
      Slot slot;
      uint64_t span = 1;    ///< Range: b - a + 1
      uint64_t at = 0;      ///< Range: i mod span for the next event
      uint64_t intRate = 0; ///< Growth: the rate when an integer, else 0
    };
    std::vector<Varying> varying;
    bool tidFollowsPid = true; ///< no tid field: tid = pid
    uint64_t intRate = 0; ///< the source's rate when constant and an integer
    /// With intRate, for the last event i: q = ⌊i·10^9 / r⌋ (its offset)
    /// and rem = i·10^9 mod r.
    uint64_t q = 0, rem = 0;
  };
  bool startPhase();
  /// Time offset from the phase start of event i of source s, or false
  /// when the source has no event i within the phase.
  bool eventTime(const StreamSource &s, uint64_t i, uint64_t durationNs,
                 uint64_t &offset) const;
  /// The offset of the source's next event (i, one more than the last),
  /// stepped exactly without a division when its rate is an integer.
  bool nextTime(const StreamSource &s, Compiled &c, uint64_t i,
                uint64_t durationNs, uint64_t &offset) const {
    if (!c.intRate)
      return eventTime(s, i, durationNs, offset);
    uint64_t r = c.intRate;
    c.q += 1000000000u / r;
    c.rem += 1000000000u % r;
    if (c.rem >= r) {
      c.q += 1;
      c.rem -= r;
    }
    if (c.q >= durationNs)
      return false;
    offset = c.q;
    return true;
  }
  void compile(const StreamSource &s, Compiled &c) const;

  const Stream &stream_;
  size_t phase_ = 0;
  bool started_ = false;
  std::vector<uint64_t> index_;    ///< next event index per source
  std::vector<uint64_t> nextTs_;   ///< its time, UINT64_MAX when done
  std::vector<Compiled> compiled_; ///< per source of the current phase
};

} // namespace obs::replay
