//===- replay_bench.cpp - events per second through window accumulation
//----===//
//
// The per-event cost of the time engine for the shape of
//
//   tracepoint:sched:sched_process_fork { @forks[args.parent_pid] = rate() over
//   1s; } tracepoint:kmem:rss_stat { @rss[args.mm_id] = slope(args.size) over
//   10s every 1s; } alert ... when @forks[$p] > 50/s for 3s
//
// i.e. per event: observe (watermark), key interning, a rate and a slope
// accumulation; windows close and alerts run as event time passes. A plain
// timing main (no framework), built by hand:
//
//   g++ -std=c++20 -O2 -I. bench/replay_bench.cpp runtime/window/*.cpp \
//       runtime/replay/*.cpp -o build-window/replay_bench
//
//===----------------------------------------------------------------------===//

#include "runtime/replay/stream.h"
#include "runtime/window/time_engine.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>

using namespace obs::window;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint64_t kSec = 1000000000ULL;

struct Shape {
  TimeEngine engine;
  MapId rate, slope;
  uint64_t windows = 0, alerts = 0;

  explicit Shape(uint32_t cpus) : engine(TimeEngine::Options{cpus, 0}) {
    WindowSpec r;
    r.name = "@forks";
    r.function = WindowFunction::Rate;
    r.overNs = kSec;
    r.keySize = 8;
    rate = engine.addMap(r);
    WindowSpec s;
    s.name = "@rss";
    s.function = WindowFunction::Slope;
    s.overNs = 10 * kSec;
    s.everyNs = kSec;
    s.keySize = 8;
    slope = engine.addMap(s);
    AlertSpec a;
    a.name = "fork_storm";
    a.maps = {rate};
    a.forNs = 3 * kSec;
    a.condition = [](const WindowResult &w, KeyId k, const TimeEngine &) {
      const WindowEntry *e = w.find(k);
      double v = e ? e->value.number : 0;
      return AlertEval{v > 50, v};
    };
    engine.addAlert(a);
    engine.onWindow(
        [this](const WindowResult &w) { windows += w.entries.size(); });
    engine.onAlert([this](const AlertTransition &) { ++alerts; });
  }
};

double run(uint64_t events, uint64_t keys, uint32_t cpus,
           uint64_t eventsPerSec) {
  Shape s(cpus);
  uint64_t gap = kSec / eventsPerSec;
  auto t0 = Clock::now();
  uint64_t x = 88172645463325252ULL;
  for (uint64_t i = 0; i < events; ++i) {
    uint64_t ts = i * gap;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17; // xorshift: key and value
    uint64_t key = x % keys;
    uint32_t cpu = uint32_t(i % cpus);
    s.engine.observe(cpu, ts);
    s.engine.accumulate(s.rate, s.engine.key(s.rate, &key), ts, 0);
    s.engine.accumulate(s.slope, s.engine.key(s.slope, &key), ts,
                        int64_t(1000000 + (x >> 44)));
  }
  s.engine.finish(events * gap);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  double eps = double(events) / secs;
  std::printf("rate+slope  keys=%-6llu cpus=%-2u %5.1fM events in %.3fs: %6.2f "
              "M events/s"
              " (%llu window entries, %llu alert changes)\n",
              (unsigned long long)keys, cpus, double(events) / 1e6, secs,
              eps / 1e6, (unsigned long long)s.windows,
              (unsigned long long)s.alerts);
  return eps;
}

double runStream(const char *spec) {
  obs::replay::Stream st;
  std::string err;
  if (!obs::replay::parseStream(spec, {}, st, err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    std::exit(1);
  }
  Shape s(1);
  obs::replay::StreamGenerator g(st);
  obs::replay::ReplayEvent ev;
  uint64_t n = 0;
  auto t0 = Clock::now();
  while (g.next(ev)) {
    ++n;
    uint64_t key = uint64_t(ev.pid);
    s.engine.observe(0, ev.ts);
    s.engine.accumulate(s.rate, s.engine.key(s.rate, &key), ev.ts, 0);
  }
  s.engine.finish(g.endNs());
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "stream      generate + rate: %.1fM events in %.3fs: %6.2f M events/s\n",
      double(n) / 1e6, secs, double(n) / secs / 1e6);
  return double(n) / secs;
}

/// Lines per second through EventReader (the `--events` path).
double runReader(uint64_t lines) {
  std::string text;
  obs::replay::ReplayEvent ev;
  ev.probe = "tracepoint:sched:sched_process_fork";
  ev.comm = "bash";
  ev.args.resize(4);
  const char *names[] = {"parent_comm", "parent_pid", "child_comm",
                         "child_pid"};
  for (int i = 0; i < 4; ++i)
    ev.args[i].name = names[i];
  ev.args[0].value.kind = ev.args[2].value.kind =
      obs::replay::ReplayValue::Kind::String;
  ev.args[0].value.s = ev.args[2].value.s = "bash";
  for (uint64_t i = 0; i < lines; ++i) {
    ev.ts = i * 1000;
    ev.pid = ev.tid = uint32_t(1000 + i % 50);
    ev.args[1].value.i = ev.pid;
    ev.args[3].value.i = int64_t(5000 + i);
    text += obs::replay::formatEventLine(ev);
    text += '\n';
  }
  std::istringstream in(text);
  obs::replay::EventReader r(in);
  auto t0 = Clock::now();
  uint64_t n = 0;
  while (r.next(ev))
    ++n;
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "events file read: %.1fM lines (%.0f MB) in %.3fs: %6.2f M lines/s\n",
      double(n) / 1e6, double(text.size()) / 1e6, secs, double(n) / secs / 1e6);
  return double(n) / secs;
}

} // namespace

int main(int argc, char **argv) {
  uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000000;
  double worst = 1e18;
  // 1M events/s of event time: 20 s of windows for 20M events.
  worst = std::min(worst, run(events, 1, 1, 1000000));
  worst = std::min(worst, run(events, 1000, 1, 1000000));
  worst = std::min(worst, run(events, 1000, 8, 1000000));
  run(events, 10000, 8, 1000000);
  run(events, 100000, 8, 1000000); // memory bound; reported, not the target
  runStream(
      "tracepoint:sched:sched_process_fork 1000000/s with pid=1..1000 for 5s");
  runReader(2000000);
  std::printf("slowest engine shape: %.2f M events/s (target 10)\n",
              worst / 1e6);
  return worst >= 10e6 ? 0 : 1;
}
