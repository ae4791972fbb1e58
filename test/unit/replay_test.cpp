//===- replay_test.cpp - event files and synthetic streams ----------------===//

#include "runtime/replay/driver.h"
#include "runtime/replay/event_binary.h"
#include "runtime/replay/event_pipe.h"
#include "runtime/replay/events.h"
#include "runtime/replay/stream.h"
#include "runtime/window/time_engine.h"

#include <gtest/gtest.h>

#include <cstring>
#include <sstream>

using namespace obs::replay;

namespace {
constexpr uint64_t kSec = 1000000000ULL;

Stream parseOk(std::string_view text, std::string defaultProbe = "") {
  Stream s;
  std::string err;
  StreamOptions o;
  o.defaultProbe = std::move(defaultProbe);
  EXPECT_TRUE(parseStream(text, o, s, err)) << err;
  return s;
}

std::string parseErr(std::string_view text) {
  Stream s;
  std::string err;
  EXPECT_FALSE(parseStream(text, StreamOptions{}, s, err)) << text;
  return err;
}

std::vector<ReplayEvent> generate(const Stream &s) {
  std::vector<ReplayEvent> out;
  StreamGenerator g(s);
  ReplayEvent ev;
  while (g.next(ev))
    out.push_back(ev);
  return out;
}
} // namespace

//===-- Event files
//--------------------------------------------------------===//

TEST(EventFile, ParsesTheSpecExample) {
  ReplayEvent ev;
  std::string err;
  ASSERT_TRUE(parseEventLine(
      R"({"probe": "tracepoint:sched:sched_process_fork", "ts": 12010000000, "cpu": 0,)"
      R"( "pid": 1234, "tid": 1234, "comm": "bash", "args": {"parent_pid": 1234,)"
      R"( "parent_comm": "bash", "child_pid": 5001, "child_comm": "bash"}})",
      ev, err))
      << err;
  EXPECT_EQ(ev.probe, "tracepoint:sched:sched_process_fork");
  EXPECT_EQ(ev.ts, 12010000000u);
  EXPECT_EQ(ev.pid, 1234u);
  EXPECT_EQ(ev.comm, "bash");
  ASSERT_EQ(ev.args.size(), 4u);
  EXPECT_FALSE(ev.positionalArgs);
  ASSERT_TRUE(ev.arg("child_pid"));
  EXPECT_EQ(ev.arg("child_pid")->i, 5001);
  EXPECT_EQ(ev.arg("parent_comm")->s, "bash");
  EXPECT_EQ(ev.arg("nope"), nullptr);
}

TEST(EventFile, DefaultsPositionalArgsStacksAndEscapes) {
  ReplayEvent ev;
  std::string err;
  ASSERT_TRUE(parseEventLine(
      R"({"ts": 5, "probe": "kprobe:vfs_read", "pid": 42, "args": [3, -1, "a\"b\\c\n\u00e9\ud83d\ude00", [1, 2]],)"
      R"( "retval": -11, "kstack": ["vfs_read+4", "ksys_read+9"], "cgroup": 18446744073709551615,)"
      R"( "extra": {"nested": [1, {"x": null}], "f": 1.5e3, "t": true}})",
      ev, err))
      << err;
  EXPECT_EQ(ev.tid, 42u); // tid defaults to pid
  EXPECT_EQ(ev.cpu, 0u);
  EXPECT_EQ(ev.comm, "");
  EXPECT_TRUE(ev.positionalArgs);
  ASSERT_EQ(ev.args.size(), 4u);
  EXPECT_EQ(ev.arg(size_t(1))->i, -1);
  EXPECT_EQ(ev.arg(size_t(2))->s, "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(ev.arg(size_t(3))->kind, ReplayValue::Kind::IntArray);
  EXPECT_EQ(ev.arg(size_t(3))->array, (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(ev.hasRetval);
  EXPECT_EQ(ev.retval, -11);
  EXPECT_EQ(ev.kstack.size(), 2u);
  EXPECT_EQ(ev.cgroup, UINT64_MAX);
}

TEST(EventFile, WatermarkLinesAndErrors) {
  ReplayEvent ev;
  std::string err;
  ASSERT_TRUE(parseEventLine(R"({"watermark": 3000000000})", ev, err));
  EXPECT_TRUE(ev.watermarkOnly);
  EXPECT_EQ(ev.ts, 3 * kSec);
  EXPECT_FALSE(parseEventLine(R"({"ts": 1})", ev, err));
  EXPECT_EQ(err, "missing \"probe\"");
  EXPECT_FALSE(parseEventLine(R"({"probe": "x:y", "ts": 1.5})", ev, err));
  EXPECT_NE(err.find("not a fraction"), std::string::npos) << err;
  EXPECT_FALSE(parseEventLine(R"({"probe": "x:y", "ts": 1} x)", ev, err));
  EXPECT_NE(err.find("text after the object"), std::string::npos) << err;
  EXPECT_FALSE(
      parseEventLine(R"({"probe": "x:y", "ts": 1, "pid": -3})", ev, err));
  EXPECT_FALSE(parseEventLine(R"({"probe": "x:y)", ev, err));
}

TEST(EventFile, ReaderSkipsCommentsAndReportsLineNumbers) {
  std::istringstream in("# recorded\n\n"
                        "{\"probe\": \"t:a:b\", \"ts\": 1}\n"
                        "  {\"probe\": \"t:a:b\", \"ts\": 2, \"comm\": \"x\"}\n"
                        "{\"probe\": \"t:a:b\"}\n");
  EventReader r(in);
  ReplayEvent ev;
  ASSERT_TRUE(r.next(ev));
  EXPECT_EQ(ev.ts, 1u);
  ASSERT_TRUE(r.next(ev));
  EXPECT_EQ(ev.comm, "x");
  EXPECT_FALSE(r.next(ev));
  EXPECT_EQ(r.error(), "line 5: missing \"ts\"");
}

TEST(EventFile, FormatRoundTrips) {
  ReplayEvent ev;
  ev.probe = "uprobe:/bin/bash:readline";
  ev.ts = 77;
  ev.cpu = 3;
  ev.pid = 9;
  ev.tid = 10;
  ev.comm = "we\"ird\n";
  ev.ppid = 1;
  ev.positionalArgs = true;
  ev.args.resize(2);
  ev.args[0].value.i = -5;
  ev.args[1].value.kind = ReplayValue::Kind::String;
  ev.args[1].value.s = "/etc/passwd";
  ev.ustack = {"main+1"};
  ReplayEvent back;
  std::string err;
  ASSERT_TRUE(parseEventLine(formatEventLine(ev), back, err)) << err;
  EXPECT_EQ(formatEventLine(back), formatEventLine(ev));
  EXPECT_EQ(back.comm, ev.comm);
  EXPECT_EQ(back.tid, 10u);
}

//===-- Synthetic streams
//--------------------------------------------------===//

TEST(Stream, RatesAreEvenlySpacedAndExact) {
  Stream s = parseOk(
      "tracepoint:sched:sched_process_fork 5000/s for 10s, then 10/s for 20s");
  ASSERT_EQ(s.phases.size(), 2u);
  EXPECT_EQ(s.endNs, 30 * kSec);
  auto evs = generate(s);
  ASSERT_EQ(evs.size(), 50000u + 200u); // ⌈r·D⌉ per phase
  EXPECT_EQ(evs[0].ts, 0u);
  EXPECT_EQ(evs[1].ts, 200000u);
  EXPECT_EQ(evs[49999].ts, 10 * kSec - 200000);
  EXPECT_EQ(evs[50000].ts, 10 * kSec);
  EXPECT_EQ(evs[50001].ts, 10 * kSec + 100000000);
  EXPECT_EQ(evs.back().probe,
            "tracepoint:sched:sched_process_fork"); // inherited
  // Defaults.
  EXPECT_EQ(evs[0].pid, 1000u);
  EXPECT_EQ(evs[0].tid, 1000u);
  EXPECT_EQ(evs[0].ppid, 1u);
  EXPECT_EQ(evs[0].comm, "obs-test");
  EXPECT_EQ(evs[0].cgroup, 1u);
}

TEST(Stream, FractionalRatesAndUnits) {
  auto evs = generate(
      parseOk("t:a:b 3/s for 1s, then 90/min for 2s, then 0.5/s for 3s"));
  // 3/s: 0, 333333333, 666666666; 90/min = 1.5/s over 2 s: 3 events; 0.5/s over
  // 3 s: 2.
  ASSERT_EQ(evs.size(), 8u);
  EXPECT_EQ(evs[1].ts, 333333333u);
  EXPECT_EQ(evs[2].ts, 666666666u);
  EXPECT_EQ(evs[4].ts, kSec + 666666666u);
  EXPECT_EQ(evs[6].ts, 3 * kSec);
  EXPECT_EQ(evs[7].ts, 5 * kSec);
}

TEST(Stream, SourcesInterleaveByTimeTiesInSourceOrder) {
  Stream s =
      parseOk("tracepoint:sched:sched_process_fork 4/s with parent_pid=42 and "
              "2/s with parent_pid=1..20 for 1s");
  auto evs = generate(s);
  ASSERT_EQ(evs.size(), 6u);
  std::vector<int64_t> ppids;
  for (auto &e : evs)
    ppids.push_back(e.arg("parent_pid")->i);
  // t=0: 42 then 1 (tie, source order); .25: 42; .5: 42 then 2; .75: 42.
  EXPECT_EQ(ppids, (std::vector<int64_t>{42, 1, 42, 42, 2, 42}));
}

TEST(Stream, FieldsRangesGrowthAndStrings) {
  Stream s = parseOk("tracepoint:kmem:rss_stat 10/s with member=1 mm_id=7 "
                     "size=100MB+1MB/s comm=\"java\" pid=5 cpu=0..3 for 10m");
  auto evs = generate(s);
  ASSERT_EQ(evs.size(), 6000u);
  EXPECT_EQ(evs[0].arg("size")->i, 100 * 1048576);
  EXPECT_EQ(evs[10].arg("size")->i, 101 * 1048576); // 1 s later
  EXPECT_EQ(evs[15].arg("size")->i, 100 * 1048576 + 1048576 * 3 / 2);
  EXPECT_EQ(evs[0].arg("member")->i, 1);
  EXPECT_EQ(evs[0].comm, "java");
  EXPECT_EQ(evs[3].pid, 5u);
  EXPECT_EQ(evs[3].tid, 5u);
  // Round-robin CPUs.
  EXPECT_EQ(evs[0].cpu, 0u);
  EXPECT_EQ(evs[1].cpu, 1u);
  EXPECT_EQ(evs[3].cpu, 3u);
  EXPECT_EQ(evs[4].cpu, 0u);
}

TEST(Stream, SourceWithoutWithRepeatsPreviousFields) {
  auto evs = generate(parseOk(
      "t:a:b 1/s with args.x=3 arg_name=\"q\" for 1s, then 1/s for 1s"));
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[1].arg("x")->i, 3);
  EXPECT_EQ(evs[1].arg("arg_name")->s, "q");
}

TEST(Stream, PositionalArguments) {
  auto evs =
      generate(parseOk("kprobe:vfs_read 1/s with arg1=4096 arg0=-3 for 1s"));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_TRUE(evs[0].positionalArgs);
  EXPECT_EQ(evs[0].arg(size_t(0))->i, -3);
  EXPECT_EQ(evs[0].arg(size_t(1))->i, 4096);
}

TEST(Stream, DefaultProbeAndStartTime) {
  Stream s =
      parseOk("at 5s: 2/s for 1s", "tracepoint:sched:sched_process_exec");
  auto evs = generate(s);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].ts, 5 * kSec);
  EXPECT_EQ(evs[0].probe, "tracepoint:sched:sched_process_exec");
  EXPECT_EQ(s.endNs, 6 * kSec);
}

TEST(Stream, RampsIntegrateTheRate) {
  // 0/s to 100/s over 10 s: N(t) = 5 t², 500 events; the i-th at √(i/5) s.
  auto evs = generate(parseOk("t:a:b 0/s to 100/s for 10s"));
  ASSERT_EQ(evs.size(), 500u);
  EXPECT_EQ(evs[0].ts, 0u);
  EXPECT_EQ(evs[5].ts, kSec);      // √(5/5) = 1 s
  EXPECT_EQ(evs[20].ts, 2 * kSec); // √(20/5) = 2 s
  EXPECT_EQ(evs[320].ts, 8 * kSec);
  for (size_t i = 1; i < evs.size(); ++i)
    ASSERT_LT(evs[i - 1].ts, evs[i].ts);
  // Down: 100/s to 0/s: the same count, dense first.
  auto down = generate(parseOk("t:a:b 100/s to 0/s for 10s"));
  EXPECT_EQ(down.size(), 500u);
  EXPECT_LT(down[1].ts - down[0].ts, down[400].ts - down[399].ts);
}

TEST(Stream, Errors) {
  EXPECT_EQ(
      parseErr("5000/s for 10s"),
      "stream:1:1: error: this stream names no probe and the program has no "
      "single probe to default to; start with one, as in "
      "tracepoint:sched:sched_process_fork 100/s");
  EXPECT_EQ(parseErr("t:a:b 5000/s"), "stream:1:13: error: expected 'for' and "
                                      "the phase's duration, as in for 10s");
  EXPECT_EQ(parseErr("t:a:b 5000 for 1s"),
            "stream:1:7: error: expected a rate, like 100/s");
  EXPECT_EQ(
      parseErr("t:a:b 5/s for 10"),
      "stream:1:15: error: expected a duration after 'for', like 10s or 500ms");
  EXPECT_EQ(parseErr("t:a:b 5/s for 1s then 1/s for 1s"),
            "stream:1:18: error: expected ', then' before the next phase");
  EXPECT_EQ(parseErr("t:a:b 5/s with x=1..0 for 1s"),
            "stream:1:21: error: a range A..B needs B >= A");
  EXPECT_EQ(parseErr("t:a:b 5/s with size=1MB+2/s for 1s"),
            "stream:1:25: error: the growth rate must have the value's unit, "
            "as in 100MB+1MB/s");
  EXPECT_EQ(parseErr("t:a:b 5/s with pid=\"x\" for 1s"),
            "stream:1:20: error: 'pid' is a number, not a string");
  EXPECT_EQ(parseErr("t:a:b 5/q for 1s"),
            "stream:1:8: error: a rate is a count or a size per time unit, as "
            "in 100/s or 1MB/s");
  EXPECT_EQ(
      parseErr("t:a:b 1MB/s for 1s"),
      "stream:1:7: error: an event rate is a count per time unit, like 100/s");
}

//===-- End to end: a stream through the time engine
//-----------------------===//

TEST(Stream, DrivesTheForkStormAlert) {
  using namespace obs::window;
  Stream s = parseOk(
      "tracepoint:sched:sched_process_fork 10/s with parent_pid=1234 for 10s, "
      "then 5000/s for 10s, then 10/s for 10s");
  TimeEngine e;
  WindowSpec w;
  w.name = "@forks";
  w.function = WindowFunction::Rate;
  w.overNs = kSec;
  w.keySize = 8;
  MapId m = e.addMap(w);
  AlertSpec a;
  a.name = "fork_storm";
  a.maps = {m};
  a.forNs = 3 * kSec;
  a.condition = [](const WindowResult &r, KeyId k, const TimeEngine &) {
    const WindowEntry *x = r.find(k);
    double v = x ? x->value.number : 0;
    return AlertEval{v > 50, v};
  };
  e.addAlert(a);
  std::vector<AlertTransition> out;
  e.onAlert([&](const AlertTransition &t) {
    if (t.kind != AlertTransition::Kind::Pending)
      out.push_back(t);
  });
  StreamGenerator g(s);
  ReplayEvent ev;
  while (g.next(ev)) {
    e.observe(0, ev.ts);
    uint64_t key = uint64_t(ev.arg("parent_pid")->i);
    e.accumulate(m, e.key(m, &key), ev.ts, 0);
  }
  e.finish(g.endNs());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].atNs, 13 * kSec);
  EXPECT_EQ(out[0].value, 5000.0);
  EXPECT_EQ(out[1].atNs, 21 * kSec);
  EXPECT_EQ(out[1].repeats, 7u);
}

//===-- The replay loop
//----------------------------------------------------===//

TEST(ReplayDriver, FileOrderWatermarksLateAndSkipped) {
  using namespace obs::window;
  std::istringstream in(
      "{\"probe\": \"t:a:b\", \"ts\": 100000000, \"pid\": 1}\n"
      "{\"probe\": \"t:x:y\", \"ts\": 200000000}\n" // no such probe
      "{\"probe\": \"t:a:b\", \"ts\": 1100000000, \"pid\": 1}\n" // closes [0,1)
      "{\"probe\": \"t:a:b\", \"ts\": 900000000, \"pid\": 1}\n" // back in time:
                                                                // late
      "{\"watermark\": 3000000000}\n" // closes [1,2) [2,3)
      "{\"probe\": \"t:a:b\", \"ts\": 3500000000, \"pid\": 2}\n");
  EventReader reader(in);
  TimeEngine e;
  WindowSpec w;
  w.name = "@c";
  w.function = WindowFunction::Count;
  w.overNs = kSec;
  w.keySize = 4;
  MapId m = e.addMap(w);
  std::vector<WindowResult> windows;
  e.onWindow([&](const WindowResult &r) { windows.push_back(r); });
  ReplayStats st;
  std::string err;
  ASSERT_TRUE(replayEvents(
      reader, e,
      [&](const ReplayEvent &ev) {
        if (ev.probe != "t:a:b")
          return false;
        uint32_t pid = ev.pid;
        e.accumulate(m, e.key(m, &pid), ev.ts, 1);
        return true;
      },
      st, err))
      << err;
  EXPECT_EQ(st.events, 4u);
  EXPECT_EQ(st.skipped, 1u);
  EXPECT_EQ(st.watermarks, 1u);
  EXPECT_EQ(st.endNs, 3500000000u);
  ASSERT_EQ(windows.size(), 4u); // [0,1) [1,2) [2,3), then [3,4) partial
  EXPECT_EQ(windows[0].entries.size(), 1u);
  EXPECT_EQ(windows[1].lost.late, 1u);
  EXPECT_TRUE(windows[3].partial);
  EXPECT_EQ(windows[3].entries.size(), 1u);
}

TEST(ReplayDriver, StreamEndsAtTheLastPhase) {
  using namespace obs::window;
  Stream s = parseOk("t:a:b 10/s for 2s, then 0/s for 1s");
  TimeEngine e;
  WindowSpec w;
  w.name = "@r";
  w.function = WindowFunction::Rate;
  w.overNs = kSec;
  MapId m = e.addMap(w);
  std::vector<WindowResult> windows;
  e.onWindow([&](const WindowResult &r) { windows.push_back(r); });
  ReplayStats st;
  replayStream(
      s, e,
      [&](const ReplayEvent &ev) {
        e.accumulate(m, e.key(m, nullptr), ev.ts, 0);
        return true;
      },
      st);
  EXPECT_EQ(st.events, 20u);
  EXPECT_EQ(st.endNs, 3 * kSec);
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[1].entries[0].value.number, 10.0);
  EXPECT_TRUE(windows[2].entries.empty());
  EXPECT_FALSE(windows[2].partial);
}

TEST(Stream, Limits) {
  EXPECT_EQ(
      parseErr("t:a:b 2000000000/s for 1s"),
      "stream:1:7: error: event rates are at most 1000000000/s (one event a "
      "nanosecond)");
  EXPECT_EQ(parseErr("t:a:b 1/s for 99999999999d"),
            "stream:1:15: error: duration too long");
  EXPECT_EQ(parseErr("t:a:b 1/s with x=99999999999999999999 for 1s"),
            "stream:1:18: error: value out of range");
}

//===-- The fast readers against the general parser
//------------------------===//

namespace {

/// Everything an event holds, as one string (formatEventLine leaves out
/// defaults, so the scalars are added).
std::string describe(const ReplayEvent &ev) {
  std::string s = formatEventLine(ev);
  s += " | tid=" + std::to_string(ev.tid) + " ppid=" + std::to_string(ev.ppid) +
       " retval=" + std::to_string(ev.hasRetval) + ":" +
       std::to_string(ev.retval) + " pos=" + std::to_string(ev.positionalArgs);
  for (const ReplayArg &a : ev.args)
    s += " [" + a.name + " " + std::to_string(int(a.value.kind)) + " " +
         std::to_string(a.value.i) + " " + a.value.s + " " +
         std::to_string(a.value.array.size()) + "]";
  return s;
}

/// Lines of many shapes: two probes interleaved, optional keys, numbers of
/// every length, negative values, escapes, spacing, arrays, stacks.
std::string mixedFile() {
  std::string f = "# a comment\n\n";
  for (int i = 0; i < 3000; ++i) {
    std::string ts = std::to_string(uint64_t(i) * 1234567 +
                                    (i % 7 == 0 ? 9999999999999ull : 0));
    std::string pid =
        std::to_string(i % 3 == 0 ? 4294967295u : uint32_t(i * 37));
    switch (i % 9) {
    case 0:
    case 1:
    case 2:
      f +=
          "{\"probe\": \"tracepoint:sched:sched_process_fork\", \"ts\": " + ts +
          ", \"cpu\": " + std::to_string(i % 8) + ", \"pid\": " + pid +
          ", \"tid\": " + pid + ", \"comm\": \"" +
          (i % 2 ? "bash" : "obs-test") + "\"" +
          (i % 4 ? ", \"ppid\": 1" : "") +
          ", \"args\": {\"parent_comm\": \"bash\", " +
          "\"parent_pid\": " + std::to_string(i % 1000) +
          ", \"child_comm\": \"c" + std::to_string(i) +
          "\", \"child_pid\": " + std::to_string(-i) + "}}\n";
      break;
    case 3:
      f += "{\"probe\": \"kprobe:vfs_read\", \"ts\": " + ts +
           ", \"pid\": " + pid + ", \"args\": [" + std::to_string(i) + ", -" +
           std::to_string(int64_t(i) * 1000003) +
           ", \"/etc/passwd\"], \"retval\": -" + std::to_string(i % 5) + "}\n";
      break;
    case 4: // an escape, then an array, then a stack
      f += "{\"probe\": \"kprobe:vfs_read\", \"ts\": " + ts +
           ", \"comm\": \"a\\\"b\", \"args\": [1]}\n";
      f += "{\"probe\": \"kprobe:vfs_read\", \"ts\": " + ts +
           ", \"args\": [[1, 2, " + std::to_string(i) + "]]}\r\n";
      f += "{\"probe\": \"kprobe:vfs_read\", \"ts\": " + ts +
           ", \"kstack\": [\"vfs_read+4\", \"ksys_read+9\"]}\n";
      break;
    case 5: // other spacing, key order, unknown keys, 19- and 20-digit numbers
      f += "{ \"ts\":" + ts +
           ",\"probe\":\"tracepoint:sched:sched_process_fork\" ,\"pid\": " +
           pid + ", \"x\": 1.5, \"cgroup\": 18446744073709551615}\n";
      f += "{\"probe\": \"t:a:b\", \"ts\": 9999999999999999999, \"uid\": 7}\n";
      break;
    case 6:
      f +=
          "{\"probe\": \"tracepoint:sched:sched_process_fork\", \"ts\": " + ts +
          ", \"cpu\": 1, \"pid\": 2, \"tid\": 3, \"comm\": \"x\", \"args\": "
          "{\"parent_pid\": "
          "\"a string now\", \"child_pid\": 5}}\n";
      break;
    case 7: f += "{\"watermark\": " + ts + "}\n"; break;
    default:
      f +=
          "   \n{\"probe\": \"tracepoint:sched:sched_process_fork\", \"ts\": " +
          ts +
          ", \"cpu\": 0, \"pid\": 1, \"tid\": 1, \"comm\": \"obs-test\", "
          "\"args\": "
          "{\"parent_comm\": \"bash\", \"parent_pid\": 12345678901234567, "
          "\"child_comm\": "
          "\"bash\", \"child_pid\": 0}}\n";
    }
  }
  return f + "{\"probe\": \"t:a:b\", \"ts\": 1}"; // no final newline
}

std::vector<std::string> readAll(EventReader &r) {
  std::vector<std::string> out;
  ReplayEvent ev;
  while (r.next(ev))
    out.push_back(describe(ev));
  EXPECT_EQ(r.error(), "");
  return out;
}

} // namespace

TEST(EventReader, ShapesAgreeWithTheGeneralParser) {
  std::string file = mixedFile();
  // The general parser alone, line by line.
  std::vector<std::string> want;
  std::istringstream lines(file);
  std::string line;
  while (std::getline(lines, line)) {
    size_t i = line.find_first_not_of(" \t\r");
    if (i == std::string::npos || line[i] == '#')
      continue;
    ReplayEvent ev;
    std::string err;
    ASSERT_TRUE(parseEventLine(line, ev, err)) << err << ": " << line;
    want.push_back(describe(ev));
  }
  std::istringstream in(file);
  EventReader fromStream(in);
  EXPECT_EQ(readAll(fromStream), want);
  EventReader fromMemory{std::string_view(file)};
  EXPECT_EQ(readAll(fromMemory), want);
  // Through the pipe: the same events in the same order.
  EventReader piped{std::string_view(file)};
  EventPipe pipe(piped);
  std::vector<std::string> got;
  while (const ReplayEvent *ev = pipe.next())
    got.push_back(describe(*ev));
  EXPECT_EQ(got, want);
  EXPECT_EQ(piped.error(), "");
}

TEST(EventReader, LinesAcrossBlocksAndEventsKept) {
  // More than the reader's 1 MB block, so lines cross block ends.
  std::string file;
  for (int i = 0; i < 20000; ++i)
    file += "{\"probe\": \"tracepoint:sched:sched_process_fork\", \"ts\": " +
            std::to_string(i) + ", \"comm\": \"" + std::string(i % 40, 'c') +
            "\", \"args\": {\"parent_pid\": " + std::to_string(i) +
            ", \"pad\": \"" + std::string(i % 50, 'p') + "\"}}\n";
  std::istringstream in(file);
  EventReader r(in);
  ReplayEvent ev;
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(r.next(ev)) << i << " " << r.error();
    ASSERT_EQ(ev.ts, uint64_t(i));
    ASSERT_EQ(ev.comm, std::string(i % 40, 'c'));
    ASSERT_EQ(ev.arg("parent_pid")->i, i);
    ASSERT_EQ(ev.arg("pad")->s, std::string(i % 50, 'p'));
    EXPECT_NE(ev.shape, 0u);
  }
  EXPECT_FALSE(r.next(ev));
  EXPECT_EQ(r.error(), "");
}

TEST(EventReader, ErrorsAfterShapedLinesKeepTheirLineNumbers) {
  std::string file;
  for (int i = 0; i < 5; ++i)
    file += "{\"probe\": \"t:a:b\", \"ts\": " + std::to_string(i) + "}\n";
  file += "{\"probe\": \"t:a:b\", \"ts\": 1.5}\n";
  for (auto make : {0, 1}) {
    std::istringstream in(file);
    EventReader fromStream(in);
    EventReader fromMemory{std::string_view(file)};
    EventReader &r = make ? fromMemory : fromStream;
    ReplayEvent ev;
    int n = 0;
    while (r.next(ev))
      ++n;
    EXPECT_EQ(n, 5);
    EXPECT_NE(r.error().find("line 6: expected an integer, not a fraction"),
              std::string::npos)
        << r.error();
  }
  // The pipe stops at the same line; stopping it early is fine too.
  EventReader piped{std::string_view(file)};
  {
    EventPipe pipe(piped);
    int n = 0;
    while (pipe.next())
      ++n;
    EXPECT_EQ(n, 5);
  }
  EXPECT_NE(piped.error().find("line 6:"), std::string::npos);
  std::string big;
  for (int i = 0; i < 50000; ++i)
    big += "{\"probe\": \"t:a:b\", \"ts\": " + std::to_string(i) + "}\n";
  EventReader many{std::string_view(big)};
  EventPipe early(many);
  ASSERT_TRUE(early.next());
}

TEST(Stream, TemplatesMatchFieldByField) {
  // Later fields win over earlier ones on the same place; integer growth
  // is exact; the shape is set.
  auto evs =
      generate(parseOk("t:a:b 1000/s with pid=1..3 pid=7 arg0=1..4 arg0=9 "
                       "arg1=5+3/s arg2=100+1000000/s tid=2..5 for 10s"));
  ASSERT_EQ(evs.size(), 10000u);
  for (size_t i = 0; i < evs.size(); i += 777) {
    EXPECT_EQ(evs[i].pid, 7u);
    EXPECT_EQ(evs[i].tid, 2u + i % 4);
    EXPECT_EQ(evs[i].arg(size_t(0))->i, 9);
    EXPECT_EQ(evs[i].arg(size_t(1))->i, 5 + int64_t(3 * evs[i].ts / kSec));
    EXPECT_EQ(evs[i].arg(size_t(2))->i, 100 + int64_t(evs[i].ts / 1000));
    EXPECT_EQ(evs[i].ts, i * kSec / 1000);
    EXPECT_NE(evs[i].shape, 0u);
  }
}

TEST(EventReader, BinaryFormRoundTrips) {
  std::string file = mixedFile();
  EventReader text{std::string_view(file)};
  std::vector<std::string> want;
  std::ostringstream bin;
  {
    BinaryEventWriter w(bin);
    ReplayEvent ev;
    while (text.next(ev)) {
      want.push_back(describe(ev));
      w.write(ev);
    }
  }
  std::string b = bin.str();
  EventReader fromMemory{std::string_view(b)};
  EXPECT_EQ(readAll(fromMemory), want);
  std::istringstream in(b);
  EventReader fromStream(in);
  EXPECT_EQ(readAll(fromStream), want);
  // Cut short: an error, after the events before the cut.
  std::string cut = b.substr(0, b.size() - 3);
  EventReader truncated{std::string_view(cut)};
  ReplayEvent ev;
  size_t n = 0;
  while (truncated.next(ev))
    ++n;
  EXPECT_EQ(n, want.size() - 1);
  EXPECT_NE(truncated.error().find(": truncated"), std::string::npos)
      << truncated.error();
}
