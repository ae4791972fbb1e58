//===- driver.cpp - feeding replayed events through the time engine -------===//

#include "runtime/replay/driver.h"

#include <algorithm>

namespace obs::replay {
namespace {

void step(const ReplayEvent &ev, window::TimeEngine &engine,
          const ProbeRunner &run, ReplayStats &stats) {
  uint64_t ts = engine.originNs() + ev.ts;
  if (ev.watermarkOnly) {
    ++stats.watermarks;
    engine.advanceIdle(ts);
    return;
  }
  engine.observe(0, ts);
  if (run(ev))
    ++stats.events;
  else
    ++stats.skipped;
}

} // namespace

bool replayEvents(EventReader &in, window::TimeEngine &engine,
                  const ProbeRunner &run, ReplayStats &stats,
                  std::string &error) {
  ReplayEvent ev;
  uint64_t last = 0;
  while (in.next(ev)) {
    step(ev, engine, run, stats);
    last = std::max(last, ev.ts);
  }
  error = in.error();
  stats.endNs = last;
  engine.finish(engine.originNs() + last);
  return error.empty();
}

void replayStream(const Stream &stream, window::TimeEngine &engine,
                  const ProbeRunner &run, ReplayStats &stats) {
  StreamGenerator gen(stream);
  ReplayEvent ev;
  while (gen.next(ev))
    step(ev, engine, run, stats);
  stats.endNs = gen.endNs();
  engine.finish(engine.originNs() + gen.endNs());
}

} // namespace obs::replay
