//===- record_test.cpp - obsc record: Record events to replay events ------===//
//
// decodeRecord (codegen/record.h) on synthetic Record events laid out as
// codegen/record.cpp emits them, and the lines formatEventLine writes for
// them (what `obsc record` puts in the events file).

#include "codegen/record.h"
#include "lang/sema/types.h"
#include "runtime/replay/events.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace obs;

namespace {

struct Buf {
  std::vector<uint8_t> bytes;
  explicit Buf(size_t n) : bytes(n, 0) {}
  template <typename T> void put(size_t at, T v) { std::memcpy(&bytes[at], &v, sizeof v); }
  void str(size_t at, const char *s) { std::memcpy(&bytes[at], s, std::strlen(s) + 1); }
};

void header(Buf &b, uint32_t prog, uint64_t ts, uint32_t pid, uint32_t tid, uint32_t cpu,
            const char *comm) {
  b.put<uint32_t>(0, uint32_t(contract::EventKind::Record));
  b.put<uint32_t>(4, prog);
  b.put<uint64_t>(8, ts);
  b.put<uint64_t>(16, uint64_t(pid) << 32 | tid);
  b.put<uint32_t>(24, cpu);
  b.str(32, comm);
  b.put<uint64_t>(48, 5);     // cgroup
  b.put<uint32_t>(56, 1000);  // uid
  b.put<uint32_t>(60, 100);   // gid
  b.put<uint32_t>(64, pid - 1 + (pid == 0)); // ppid
}

} // namespace

TEST(Record, TracepointFieldsStringsAndDataLoc) {
  TypeTable types;
  Type *rec = types.createRecord("args of test:ev");
  // common fields 0..7 are not part of args; then:
  rec->fields = {
      {"small", types.integer(16, true), 8},
      {"big", types.integer(64, false), 16},
      {"name", types.string(8), 24},
      {"loc", types.string(0), 32},      // __data_loc char[]
      {"path", types.pointer(types.integer(8, true)), 40}, // char *
      {"arr", types.array(types.integer(32, true), 2), 48},
  };
  rec->size = 56;

  contract::ObjectSpec spec;
  contract::ProgramSpec ps;
  ps.kind = contract::AttachKind::Tracepoint;
  ps.target = "test";
  ps.func = "ev";
  contract::RecordLayout &L = ps.record;
  L.rawBytes = 56;
  uint32_t raw = contract::kRecordPayload;
  uint32_t pathAt = raw + 56 + contract::kRecordDynBytes;
  L.strings = {{40, pathAt}};
  L.size = pathAt + contract::kRecordStringSize;
  spec.programs.push_back(ps);

  Buf b(L.size);
  header(b, 0, 1500, 42, 43, 3, "bash");
  b.put<int16_t>(raw + 8, -2);
  b.put<uint64_t>(raw + 16, 0xfffffffffffffffeull);
  b.str(raw + 24, "abc");
  b.put<uint32_t>(raw + 32, uint32_t(6 << 16 | 60)); // "hello\0" after the fixed part
  b.str(raw + 60, "hello");
  b.put<uint64_t>(raw + 40, 0x7fff0000);
  b.str(pathAt, "/etc/passwd");
  b.put<int32_t>(raw + 48, -7);
  b.put<int32_t>(raw + 52, 9);

  replay::ReplayEvent ev;
  std::string err;
  ASSERT_TRUE(decodeRecord(spec, {rec}, b.bytes.data(), b.bytes.size(), ev, err)) << err;
  EXPECT_EQ(ev.probe, "tracepoint:test:ev");
  EXPECT_EQ(ev.ts, 1500u);
  EXPECT_EQ(ev.pid, 42u);
  EXPECT_EQ(ev.tid, 43u);
  EXPECT_EQ(ev.cpu, 3u);
  EXPECT_EQ(ev.comm, "bash");
  EXPECT_EQ(ev.cgroup, 5u);
  EXPECT_EQ(ev.uid, 1000u);
  EXPECT_EQ(ev.gid, 100u);
  EXPECT_EQ(ev.ppid, 41u);
  ASSERT_NE(ev.arg("small"), nullptr);
  EXPECT_EQ(ev.arg("small")->i, -2);
  EXPECT_EQ(uint64_t(ev.arg("big")->i), 0xfffffffffffffffeull);
  EXPECT_EQ(ev.arg("name")->s, "abc");
  EXPECT_EQ(ev.arg("loc")->s, "hello");
  EXPECT_EQ(ev.arg("path")->kind, replay::ReplayValue::Kind::String);
  EXPECT_EQ(ev.arg("path")->s, "/etc/passwd");
  EXPECT_EQ(ev.arg("arr")->array, (std::vector<int64_t>{-7, 9}));

  // What `obsc record` writes reads back as the same event.
  std::string line = replay::formatEventLine(ev);
  replay::ReplayEvent back;
  ASSERT_TRUE(replay::parseEventLine(line, back, err)) << err << ": " << line;
  EXPECT_EQ(replay::formatEventLine(back), line);
  EXPECT_EQ(back.arg("loc")->s, "hello");
  EXPECT_EQ(back.arg("small")->i, -2);

  // A null char * stays an integer.
  b.put<uint64_t>(raw + 40, 0);
  ASSERT_TRUE(decodeRecord(spec, {rec}, b.bytes.data(), b.bytes.size(), ev, err));
  EXPECT_EQ(ev.arg("path")->kind, replay::ReplayValue::Kind::Int);
  EXPECT_EQ(ev.arg("path")->i, 0);
}

TEST(Record, RegistersAndReturnValues) {
  contract::ObjectSpec spec;
  contract::ProgramSpec up;
  up.kind = contract::AttachKind::Uprobe;
  up.target = "/bin/x";
  up.func = "f";
  up.record.words = 6;
  up.record.size = contract::kRecordPayload + 48;
  contract::ProgramSpec ret = up;
  ret.kind = contract::AttachKind::Uretprobe;
  ret.record.words = 0;
  ret.record.retval = true;
  ret.record.size = contract::kRecordPayload + 8;
  contract::ProgramSpec tick;
  tick.kind = contract::AttachKind::PerfEvent;
  tick.probe = "interval:ms:100";
  tick.record.size = contract::kRecordPayload;
  spec.programs = {up, ret, tick};
  std::vector<const Type *> formats(3, nullptr);

  Buf b(up.record.size);
  header(b, 0, 7, 1, 1, 0, "x");
  for (int i = 0; i < 6; ++i)
    b.put<int64_t>(contract::kRecordPayload + 8 * i, i == 1 ? -5 : i * 10);
  replay::ReplayEvent ev;
  std::string err;
  ASSERT_TRUE(decodeRecord(spec, formats, b.bytes.data(), b.bytes.size(), ev, err)) << err;
  EXPECT_EQ(ev.probe, "uprobe:/bin/x:f");
  EXPECT_TRUE(ev.positionalArgs);
  ASSERT_EQ(ev.args.size(), 6u);
  EXPECT_EQ(ev.arg(size_t(1))->i, -5);
  EXPECT_EQ(ev.arg(size_t(5))->i, 50);

  Buf r(ret.record.size);
  header(r, 1, 9, 1, 1, 0, "x");
  r.put<int64_t>(contract::kRecordPayload, -1);
  ASSERT_TRUE(decodeRecord(spec, formats, r.bytes.data(), r.bytes.size(), ev, err)) << err;
  EXPECT_EQ(ev.probe, "uretprobe:/bin/x:f");
  EXPECT_TRUE(ev.hasRetval);
  EXPECT_EQ(ev.retval, -1);
  EXPECT_TRUE(ev.args.empty());

  Buf t(tick.record.size);
  header(t, 2, uint64_t(-3), 0, 0, 1, "swapper/1"); // before the origin: 0
  ASSERT_TRUE(decodeRecord(spec, formats, t.bytes.data(), t.bytes.size(), ev, err)) << err;
  EXPECT_EQ(ev.probe, "interval:ms:100");
  EXPECT_EQ(ev.ts, 0u);
  EXPECT_EQ(ev.cpu, 1u);
}

TEST(Record, MalformedRecords) {
  contract::ObjectSpec spec;
  contract::ProgramSpec ps;
  ps.kind = contract::AttachKind::Kprobe;
  ps.func = "f";
  ps.record.words = 6;
  ps.record.size = contract::kRecordPayload + 48;
  spec.programs = {ps};
  replay::ReplayEvent ev;
  std::string err;
  Buf small(16);
  EXPECT_FALSE(decodeRecord(spec, {nullptr}, small.bytes.data(), small.bytes.size(), ev, err));
  EXPECT_NE(err.find("shorter than its header"), std::string::npos) << err;
  Buf other(ps.record.size);
  header(other, 5, 0, 0, 0, 0, "");
  EXPECT_FALSE(decodeRecord(spec, {nullptr}, other.bytes.data(), other.bytes.size(), ev, err));
  Buf cut(contract::kRecordPayload + 8);
  header(cut, 0, 0, 0, 0, 0, "");
  EXPECT_FALSE(decodeRecord(spec, {nullptr}, cut.bytes.data(), cut.bytes.size(), ev, err));
}
