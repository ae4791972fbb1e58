//===- output_time_test.cpp - printf formats, windows, alerts, units ------===//
//
// Every expected string in the bpftrace tests below was captured from
// /usr/bin/bpftrace 0.17 on this machine with the one-liner quoted above
// the test (the "Attaching" banner and RLIMIT warning left out where the
// test does not print them). Ties in bpftrace's order follow kernel hash
// order; the dumps here list entries in the order bpftrace printed them.
//
//===----------------------------------------------------------------------===//
// Golden lines stay one per source line, as bpftrace printed them.
// clang-format off

#include "runtime/output/format.h"
#include "runtime/output/histogram.h"
#include "runtime/output/printer.h"
#include "runtime/output/window_adapter.h"
#include "test/unit/output_fixtures.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>

using namespace obs;
using namespace obs::output;
using obs::output::testing::histOf;
using obs::output::testing::I;
using obs::output::testing::S;
using obs::output::testing::fakeSymbols;

TEST(OutputPrintf, Integers) {
  // bpftrace -e 'BEGIN { printf("[%d][%u][%x][%X][%lu][%llu][%ld][%lld][%5d][%-5d][%05d]\n",
  //   -5, -5, -5, 255, -1, 18, -3, -4, 42, 42, 42); exit(); }' prints
  // "[-5][4294967291][fffffffb][FF][18446744073709551615][18][-3][-4][   42][42   ][00042]":
  // C's 32-bit %u and %x. obs's integers are all 64 bits (spec §7.1).
  std::vector<PrintfArg> a = {PrintfArg::ofInt(-5), PrintfArg::ofInt(-5), PrintfArg::ofInt(-5),
                              PrintfArg::ofInt(255), PrintfArg::ofInt(-1), PrintfArg::ofInt(18),
                              PrintfArg::ofInt(-3), PrintfArg::ofInt(-4), PrintfArg::ofInt(42),
                              PrintfArg::ofInt(42), PrintfArg::ofInt(42)};
  EXPECT_EQ(formatPrintf("[%d][%u][%x][%X][%lu][%llu][%ld][%lld][%5d][%-5d][%05d]\n", a),
            "[-5][18446744073709551611][fffffffffffffffb][FF][18446744073709551615][18][-3][-4]"
            "[   42][42   ][00042]\n");
  // bpftrace: printf("%d %u %x %o %c|\n", 5000000000 x4, 321) gives
  // "705032704 705032704 2a05f200 5201371000 A|"; %c takes the low byte in both.
  auto big = PrintfArg::ofInt(5000000000);
  EXPECT_EQ(formatPrintf("%d %i %u %x %o %c|\n", {big, big, big, big, big, PrintfArg::ofInt(321)}),
            "5000000000 5000000000 5000000000 12a05f200 45201371000 A|\n");
  // Length modifiers are accepted and ignored (bpftrace: "-3584 0 5000000000 ...").
  auto m1 = PrintfArg::ofInt(-1);
  EXPECT_EQ(formatPrintf("%hd %hhd %ld %zu %ju|\n", {big, big, big, m1, m1}),
            "5000000000 5000000000 5000000000 18446744073709551615 18446744073709551615|\n");
  // As bpftrace: printf("%p %p\n", -1, 0); printf("%lx\n", 0xdeadbeefcafe)
  EXPECT_EQ(formatPrintf("%p %p\n", {m1, PrintfArg::ofInt(0)}), "0xffffffffffffffff (nil)\n");
  EXPECT_EQ(formatPrintf("%X %lx\n", {PrintfArg::ofInt(3000000000), PrintfArg::ofUint(0xdeadbeefcafe)}),
            "B2D05E00 deadbeefcafe\n");
  // As bpftrace, of 65: [%c][%p][%o][%-5c][%08x][%-08d][%.3d][%8.3d][%4p][%-20p]
  auto x = PrintfArg::ofInt(65);
  EXPECT_EQ(formatPrintf("[%c][%p][%o][%-5c][%08x][%-08d][%.3d][%8.3d][%4p][%-20p]",
                         {x, x, x, x, x, x, x, x, x, x}),
            "[A][0x41][101][A    ][00000041][65      ][065][     065][0x41][0x41                ]");
  // The C flags bpftrace 0.17 does not know (spec §7.1).
  EXPECT_EQ(formatPrintf("[%+d][% d][%#x][%#o]", {x, x, x, x}), "[+65][ 65][0x41][0101]");
}

TEST(OutputPrintf, ValuesWithUnits) {
  auto q = [](double v, Quantity::Base b, bool perSecond) {
    PrintfArg a = PrintfArg::ofFloat(v);
    a.quantity.base = b;
    a.quantity.perSecond = perSecond;
    return a;
  };
  EXPECT_EQ(formatPrintf("%v %v %v %v %v %v",
                         {q(5000, Quantity::Count, true), q(1.5 * 1024 * 1024, Quantity::Size, false),
                          q(12.5e6, Quantity::Duration, false), q(1.2 * 1024 * 1024, Quantity::Size, true),
                          q(52.3333333, Quantity::Plain, false), q(512, Quantity::Size, false)}),
            "5000/s 1.5MB 12.5ms 1.2MB/s 52.333 512B");
  PrintfArg big = PrintfArg::ofUint(18446744073709551615ULL);
  EXPECT_EQ(formatPrintf("[%v][%-6v][%v]", {big, PrintfArg::ofString("ab"), PrintfArg::ofInt(-3)}),
            "[18446744073709551615][ab    ][-3]");
}

TEST(OutputPrintf, StringsBuffersPercent) {
  // printf("[%s][%-10s][%10s][%.2s]\n", "abc", "abc", "abc", "abcdef")
  auto abc = PrintfArg::ofString("abc");
  EXPECT_EQ(formatPrintf("[%s][%-10s][%10s][%.2s]\n", {abc, abc, abc, PrintfArg::ofString("abcdef")}),
            "[abc][abc       ][       abc][ab]\n");
  // printf("%r|\n", buf("ab\x01", 3))
  EXPECT_EQ(formatPrintf("%r|\n", {PrintfArg::ofBuffer(std::string("ab\x01", 3))}), "ab\\x01|\n");
  // printf("%% %d %%|\n", 3): bpftrace 0.17 prints "% 3 %%|" (it leaves the
  // text after the last argument unformatted); obs follows C.
  EXPECT_EQ(formatPrintf("%% %d %%|\n", {PrintfArg::ofInt(3)}), "% 3 %|\n");
  EXPECT_EQ(formatPrintf("no args\n", {}), "no args\n");
  EXPECT_EQ(formatPrintf("%.2f %g\n", {PrintfArg::ofFloat(3.14159), PrintfArg::ofFloat(0.5)}),
            "3.14 0.5\n");
}

TEST(OutputPrintf, ValidateFormat) {
  Type i64;
  i64.kind = TypeKind::Integer;
  i64.bits = 64;
  i64.isSigned = true;
  Type str;
  str.kind = TypeKind::String;
  str.size = 64;
  Type buf;
  buf.kind = TypeKind::Buffer;
  Type stack;
  stack.kind = TypeKind::Stack;
  Type ptr;
  ptr.kind = TypeKind::Pointer;
  Type voidT;

  EXPECT_EQ(validateFormat("%d %s %r %s %p %-10s %5d %%\n", {&i64, &str, &buf, &stack, &ptr, &str, &i64}),
            std::nullopt);
  // bpftrace: "printf: Not enough arguments for format string (1 supplied, 2 expected)"
  EXPECT_EQ(validateFormat("%d %s\n", {&i64}),
            "not enough arguments for format string (1 supplied, 2 expected)");
  EXPECT_EQ(validateFormat("%d\n", {&i64, &i64}),
            "too many arguments for format string (2 supplied, 1 expected)");
  // bpftrace: "printf: %d specifier expects a value of type integer (string supplied)"
  EXPECT_EQ(validateFormat("%d\n", {&str}), "%d expects an integer, but argument 1 is a string");
  EXPECT_EQ(validateFormat("x %-10s\n", {&i64}), "%-10s expects a string, but argument 1 is an integer");
  EXPECT_EQ(validateFormat("%s\n", {&buf}), "%s expects a string, but argument 1 is a buffer");
  // Where bpftrace silently prints a malformed spec as text, obs says why.
  EXPECT_EQ(validateFormat("%q\n", {}), "invalid format specifier '%q'; write '%%' for a literal '%'");
  EXPECT_EQ(validateFormat("%*d\n", {&i64}), "invalid format specifier '%*'; the width must be a number");
  EXPECT_EQ(validateFormat("%i %+d % d %#x %v %v %.2f\n", {&i64, &i64, &i64, &i64, &str, &i64, &i64}),
            std::nullopt);
  EXPECT_EQ(validateFormat("%v\n", {&voidT}), "%v expects a value, but argument 1 is void");
  std::vector<const Type *> many(33, &i64);
  std::string fmt33;
  for (int k = 0; k < 33; ++k)
    fmt33 += "%d";
  EXPECT_EQ(validateFormat(fmt33, many),
            "at most 32 arguments may follow a format string, but 33 were given");
  EXPECT_EQ(validateFormat("100%", {}),
            "incomplete format specifier '%' at the end of the format string; write '%%' for a literal '%'");
  EXPECT_EQ(validateFormat("%ls", {&str}),
            "invalid format specifier '%ls': a length modifier needs an integer conversion");
}

//===-- obs windows and alerts (spec §11, §13.3, §13.4, §13.6) ------------===//

namespace {
constexpr uint64_t kSec = 1000000000ULL;

WindowDump forksWindow() {
  WindowDump w;
  w.map = "@forks";
  w.aggregation = "rate";
  w.quantity.base = Quantity::Count;
  w.quantity.perSecond = true;
  w.overNs = w.everyNs = kSec;
  w.startNs = 12 * kSec;
  w.endNs = 13 * kSec;
  w.numeric = true;
  WindowEntry a, b;
  a.key = {I(1234)};
  a.number = 5000;
  b.key = {I(1)};
  b.number = 2;
  w.entries = {a, b};
  return w;
}

AlertRecord firing() {
  AlertRecord a;
  a.name = "fork_storm";
  a.state = AlertRecord::State::Firing;
  a.key = {{"ppid", I(1234)}};
  a.tsNs = 13 * kSec;
  a.windowStartNs = 12 * kSec;
  a.windowEndNs = 13 * kSec;
  a.summary = "pid 1234 (bash) forks 5000/s";
  a.values = {{"@forks[1234]", 5000}};
  Exemplar &x = a.exemplar;
  x.present = true;
  x.comm = "bash";
  x.pid = x.tid = 1234;
  x.ppid = 1;
  x.uid = x.gid = 1000;
  x.cgroup = 1;
  x.cpu = 0;
  x.tsNs = 12010000000ULL;
  return a;
}

AlertRecord resolved() {
  AlertRecord r;
  r.name = "fork_storm";
  r.state = AlertRecord::State::Resolved;
  r.key = {{"ppid", I(1234)}};
  r.tsNs = 21 * kSec;
  r.windowStartNs = 20 * kSec;
  r.windowEndNs = 21 * kSec;
  r.firedNs = 8 * kSec;
  r.repeats = 7;
  r.peak = 5000;
  r.peakQuantity.base = Quantity::Count;
  r.peakQuantity.perSecond = true;
  return r;
}
} // namespace

TEST(OutputWindows, SpecExamplesText) {
  std::ostringstream os;
  TextOutput out(os);
  out.printWindow(forksWindow()); // spec §13.3
  WindowDump sys = forksWindow(); // spec §11
  sys.map = "@sys";
  sys.aggregation = "count";
  sys.numeric = false;
  sys.kind = MapValueKind::Count;
  sys.entries.clear();
  WindowEntry sshd, bash;
  sshd.key = {S("sshd")};
  sshd.value.scalar = 212;
  bash.key = {S("bash")};
  bash.value.scalar = 4963;
  sys.entries = {bash, sshd};
  sys.lost.ringbuf = 37;
  out.printWindow(sys);
  WindowDump hop = forksWindow(); // hopping, partial, fractional values
  hop.overNs = 10 * kSec;
  hop.startNs = 3 * kSec;
  hop.endNs = 13 * kSec + 500000000ULL;
  hop.partial = true;
  hop.entries[0].number = 52.3333333;
  out.printWindow(hop);
  WindowDump empty = forksWindow(); // no keys, no loss: nothing
  empty.entries.clear();
  out.printWindow(empty);
  WindowDump lat; // histograms as in §13.2
  lat.map = "@lat";
  lat.aggregation = "hist";
  lat.overNs = lat.everyNs = 5 * kSec;
  lat.startNs = 5 * kSec;
  lat.endNs = 10 * kSec;
  lat.kind = MapValueKind::Hist;
  WindowEntry sda;
  sda.key = {S("sda")};
  sda.value = histOf({}, {3, 5, 5}).value;
  lat.entries = {sda};
  out.printWindow(lat);
  EXPECT_EQ(os.str(),
            "@forks over 1s [12.000s, 13.000s):\n"
            "@forks[1]: 2\n"
            "@forks[1234]: 5000\n"
            "@sys over 1s [12.000s, 13.000s) lost 37:\n"
            "@sys[sshd]: 212\n"
            "@sys[bash]: 4963\n"
            "@forks over 10s every 1s [3.000s, 13.500s) partial:\n"
            "@forks[1]: 2\n"
            "@forks[1234]: 52.333\n"
            "@lat over 5s [5.000s, 10.000s):\n"
            "@lat[sda]: \n"
            "[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
            "[4, 8)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
            "\n");
}

TEST(OutputWindows, Json) {
  std::ostringstream os;
  JsonOutput out(os);
  out.printWindow(forksWindow());
  WindowDump st = forksWindow();
  st.aggregation = "stats";
  st.quantity = {};
  st.quantity.base = Quantity::Size;
  st.numeric = false;
  st.kind = MapValueKind::Stats;
  WindowEntry e;
  e.value.count = 3;
  e.value.total = 12;
  st.entries = {e};
  st.partial = true;
  st.lost.late = 2;
  out.printWindow(st);
  EXPECT_EQ(os.str(),
            "{\"type\": \"window\", \"data\": {\"map\": \"@forks\", \"aggregation\": \"rate\", "
            "\"unit\": \"count/s\", \"over_ns\": 1000000000, \"every_ns\": 1000000000, "
            "\"start_ns\": 12000000000, \"end_ns\": 13000000000, \"partial\": false, "
            "\"lost\": {\"ringbuf\": 0, \"map_full\": 0, \"evicted\": 0, \"late\": 0}, "
            "\"values\": [{\"key\": [1], \"value\": 2}, {\"key\": [1234], \"value\": 5000}]}}\n"
            "{\"type\": \"window\", \"data\": {\"map\": \"@forks\", \"aggregation\": \"stats\", "
            "\"unit\": \"bytes\", \"over_ns\": 1000000000, \"every_ns\": 1000000000, "
            "\"start_ns\": 12000000000, \"end_ns\": 13000000000, \"partial\": true, "
            "\"lost\": {\"ringbuf\": 0, \"map_full\": 0, \"evicted\": 0, \"late\": 2}, "
            "\"values\": [{\"key\": [], \"value\": {\"count\": 3, \"average\": 4, \"total\": 12}}]}}\n");
}

TEST(OutputAlerts, SpecExamplesText) {
  std::ostringstream os;
  TextOutput out(os);
  out.setSymbolizer(fakeSymbols);
  out.printAlert(firing()); // spec §10.6
  out.printAlert(resolved());
  AlertRecord degraded = firing(); // spec §11
  degraded.summary = "pid 1234 (bash) forks 4963/s";
  degraded.lost.ringbuf = 37;
  out.printAlert(degraded);
  AlertRecord pending = firing();
  pending.state = AlertRecord::State::Pending;
  pending.tsNs = 11 * kSec;
  pending.exemplar.present = false;
  out.printAlert(pending);
  AlertRecord atExit = resolved();
  atExit.key.clear();
  atExit.name = "leak";
  atExit.repeats = 1;
  atExit.peak = 1.5 * 1024 * 1024;
  atExit.peakQuantity.base = Quantity::Size;
  atExit.peakQuantity.perSecond = false;
  atExit.stillFiring = true;
  out.printAlert(atExit);
  AlertRecord stacks = firing();
  stacks.exemplar.kstack = {1, 2};
  out.printAlert(stacks);
  EXPECT_EQ(os.str(),
            "ALERT fork_storm[ppid=1234] FIRING at 13.000s: pid 1234 (bash) forks 5000/s\n"
            "  exemplar: comm=bash pid=1234 tid=1234 ppid=1 uid=1000 cgroup=1 cpu=0 at 12.010s\n"
            "ALERT fork_storm[ppid=1234] RESOLVED at 21.000s: fired for 8.000s, 7 repeats, peak 5000/s\n"
            "ALERT fork_storm[ppid=1234] FIRING at 13.000s: pid 1234 (bash) forks 4963/s\n"
            "  exemplar: comm=bash pid=1234 tid=1234 ppid=1 uid=1000 cgroup=1 cpu=0 at 12.010s\n"
            "  degraded: 37 events lost in window [12.000s, 13.000s) (ringbuf 37)\n"
            "ALERT fork_storm[ppid=1234] PENDING at 11.000s\n"
            "ALERT leak RESOLVED at 21.000s: fired for 8.000s, 1 repeat, peak 1.5MB, still firing\n"
            "ALERT fork_storm[ppid=1234] FIRING at 13.000s: pid 1234 (bash) forks 5000/s\n"
            "  exemplar: comm=bash pid=1234 tid=1234 ppid=1 uid=1000 cgroup=1 cpu=0 at 12.010s\n"
            "  kstack:\n"
            "        perf_syscall_enter+397\n"
            "        syscall_trace_enter+384\n");
}

TEST(OutputAlerts, Json) {
  std::ostringstream os;
  JsonOutput out(os);
  out.printAlert(firing());
  AlertRecord r = resolved();
  r.stillFiring = true;
  r.lost.evicted = 4;
  out.printAlert(r);
  EXPECT_EQ(os.str(),
            "{\"type\": \"alert\", \"data\": {\"name\": \"fork_storm\", \"state\": \"firing\", "
            "\"key\": {\"ppid\": 1234}, \"ts_ns\": 13000000000, "
            "\"window\": {\"start_ns\": 12000000000, \"end_ns\": 13000000000}, "
            "\"summary\": \"pid 1234 (bash) forks 5000/s\", \"values\": {\"@forks[1234]\": 5000}, "
            "\"exemplar\": {\"comm\": \"bash\", \"pid\": 1234, \"tid\": 1234, \"ppid\": 1, "
            "\"uid\": 1000, \"gid\": 1000, \"cgroup\": 1, \"cpu\": 0, \"ts_ns\": 12010000000}, "
            "\"degraded\": false, "
            "\"lost\": {\"ringbuf\": 0, \"map_full\": 0, \"evicted\": 0, \"late\": 0}}}\n"
            "{\"type\": \"alert\", \"data\": {\"name\": \"fork_storm\", \"state\": \"resolved\", "
            "\"key\": {\"ppid\": 1234}, \"ts_ns\": 21000000000, "
            "\"window\": {\"start_ns\": 20000000000, \"end_ns\": 21000000000}, \"values\": {}, "
            "\"degraded\": true, "
            "\"lost\": {\"ringbuf\": 0, \"map_full\": 0, \"evicted\": 4, \"late\": 0}, "
            "\"fired_ns\": 8000000000, \"repeats\": 7, \"peak\": 5000, \"still_firing\": true}}\n");
}

TEST(OutputUnits, Quantities) {
  Quantity count{Quantity::Count, false}, rate{Quantity::Count, true};
  Quantity size{Quantity::Size, false}, dur{Quantity::Duration, false};
  EXPECT_EQ(formatQuantity(42, count), "42");
  EXPECT_EQ(formatQuantity(5000, rate), "5000/s");
  EXPECT_EQ(formatQuantity(0, dur), "0ns");
  EXPECT_EQ(formatQuantity(999, dur), "999ns");
  EXPECT_EQ(formatQuantity(1500, dur), "1.5us");
  EXPECT_EQ(formatQuantity(90e9, dur), "90s");
  EXPECT_EQ(formatQuantity(1023, size), "1023B");
  EXPECT_EQ(formatQuantity(1024, size), "1KB");
  EXPECT_EQ(formatQuantity(3.0 * 1024 * 1024 * 1024 * 1024 * 1024, size), "3072TB");
  EXPECT_EQ(formatNumber(0.8125), "0.812"); // printf rounds half to even
  EXPECT_EQ(formatNumber(52.3333), "52.333");
  EXPECT_EQ(formatNumber(50.0), "50");
  EXPECT_EQ(formatSeconds(12010000000ULL), "12.010s");
  EXPECT_STREQ(jsonUnit(rate), "count/s");
  EXPECT_STREQ(jsonUnit(Quantity{Quantity::Plain, true}), "/s");
  EXPECT_STREQ(jsonUnit(Quantity{}), "");
}

TEST(OutputAlerts, ExemplarFromKernel) {
  obs_exemplar k{};
  k.ts = 5000 + 12010000000ULL;
  k.pid = 1234;
  k.tid = 1235;
  k.ppid = 1;
  k.cgroup = 7;
  std::memcpy(k.comm, "bash\0junk", 10);
  Exemplar e = exemplarFromKernel(k, 5000);
  EXPECT_TRUE(e.present);
  EXPECT_EQ(e.comm, "bash");
  EXPECT_EQ(e.tsNs, 12010000000ULL);
  EXPECT_EQ(e.tid, 1235u);
  EXPECT_EQ(e.cgroup, 7u);
}

TEST(OutputWindows, FromTimeEngine) {
  window::WindowSpec rate;
  rate.name = "@forks";
  rate.function = window::WindowFunction::Rate;
  rate.overNs = kSec;
  window::WindowResult r;
  r.spec = &rate;
  r.startNs = 12 * kSec;
  r.endNs = 13 * kSec;
  window::WindowEntry a, b, undefined;
  a.key = 0;
  a.value.number = 5000;
  b.key = 1;
  b.value.number = 2;
  undefined.key = 2;
  undefined.value.defined = false;
  r.entries = {a, b, undefined};
  KeyDecoder keys = [](window::KeyId id) {
    static const int64_t pids[] = {1234, 1, 99};
    return std::vector<KeyPart>{I(pids[id])};
  };
  std::ostringstream os;
  TextOutput out(os);
  out.printWindow(windowDumpFrom(r, keys, Quantity{Quantity::Count, true}));

  window::WindowSpec hist;
  hist.name = "@lat";
  hist.function = window::WindowFunction::Hist;
  hist.overNs = 10 * kSec;
  hist.everyNs = kSec;
  window::WindowResult h;
  h.spec = &hist;
  h.startNs = 0;
  h.endNs = 10 * kSec;
  h.lost.late = 1;
  h.buckets.assign(66, 0);
  h.buckets[3] = 4; // [2, 4)
  window::WindowEntry he;
  he.key = 0;
  he.value.bucketOffset = 0;
  he.value.bucketCount = 66;
  h.entries = {he};
  out.printWindow(windowDumpFrom(h, [](window::KeyId) { return std::vector<KeyPart>{S("sda")}; }));
  EXPECT_EQ(os.str(),
            "@forks over 1s [12.000s, 13.000s):\n"
            "@forks[1]: 2\n"
            "@forks[1234]: 5000\n"
            "@lat over 10s every 1s [0.000s, 10.000s) lost 1:\n"
            "@lat[sda]: \n"
            "[2, 4)                 4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
            "\n");

  window::AlertSpec spec;
  spec.name = "fork_storm";
  window::AlertTransition t;
  t.spec = &spec;
  t.kind = window::AlertTransition::Kind::Resolved;
  t.atNs = 21 * kSec;
  t.firedNs = 8 * kSec;
  t.repeats = 7;
  t.peak = 5000;
  t.hasExemplar = true;
  t.exemplar.ts = 100 + 12010000000ULL;
  std::memcpy(t.exemplar.comm, "bash", 5);
  AlertRecord rec = alertRecordFrom(t, 100);
  EXPECT_EQ(rec.name, "fork_storm");
  EXPECT_EQ(rec.state, AlertRecord::State::Resolved);
  EXPECT_EQ(rec.exemplar.tsNs, 12010000000ULL);
  EXPECT_EQ(rec.exemplar.comm, "bash");
  EXPECT_EQ(rec.repeats, 7u);
}

TEST(OutputFactory, MakeOutput) {
  std::ostringstream os;
  EXPECT_NE(makeOutput("text", os, os), nullptr);
  EXPECT_NE(makeOutput("json", os, os), nullptr);
  EXPECT_EQ(makeOutput("xml", os, os), nullptr);
}
