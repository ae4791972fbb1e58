//===- driver.h - feeding replayed events through the time engine ---------===//
//
// The loop of `obsc test`: events from a file or a synthetic stream, in
// order; event time advanced before each event's probe body runs (so the
// windows it closes print before the event's own output, spec §13.1); a
// `{"watermark": TS}` line only advances time; at the end, the session ends
// at the last event (file) or at the end of the last phase (stream), which
// closes open windows as partial (spec §9.3). In replay the watermark is the
// ts of the last line read (§15.1): the engine has one CPU and every event
// is observed as CPU 0.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/replay/events.h"
#include "runtime/replay/stream.h"
#include "runtime/window/time_engine.h"

#include <functional>
#include <string>

namespace obs::replay {

/// Runs the program's probe bodies for one event; returns false when no
/// probe of the program matches ev.probe (the event is then skipped).
using ProbeRunner = std::function<bool(const ReplayEvent &ev)>;

struct ReplayStats {
  uint64_t events = 0;     ///< events run
  uint64_t skipped = 0;    ///< events no probe matched
  uint64_t watermarks = 0; ///< watermark-only lines
  uint64_t endNs = 0;      ///< where the session ended
};

/// Replays an events file. Returns false on a malformed line (`error` says
/// which); the engine is finished either way.
bool replayEvents(EventReader &in, window::TimeEngine &engine,
                  const ProbeRunner &run, ReplayStats &stats,
                  std::string &error);

/// Replays a synthetic stream.
void replayStream(const Stream &stream, window::TimeEngine &engine,
                  const ProbeRunner &run, ReplayStats &stats);

} // namespace obs::replay
