//===- event_binary.h - the binary events format --------------------------===//
//
// The events of spec §15.1 in a binary form that replays without parsing
// text: `obsc record -o FILE.obsb` writes it, `obsc test -o FILE.obsb`
// converts what it replays (a JSON-lines file, a stream) into it, and
// `obsc test --events` reads it wherever the file starts with the magic.
//
//   file    = magic { record }
//   magic   = "\x7fOBSEV1\n"
//   record  = tag:u8 size:u32 body      (size: the body's bytes)
//   'S'     = id:u32 probe:str positional:u8 nargs:u16 { name:str kind:u8 }
//   'E'     = shape:u32 ts:u64 changed:u16
//             [cpu:u32] [pid:u32] [tid:u32] [ppid:u32] [uid:u32] [gid:u32]
//             [cgroup:u64] [hasRetval:u8 retval:i64] [comm:str]
//             { arg by its kind: Int i64 | String str | IntArray n:u32 i64* }
//             nk:u16 { str } nu:u16 { str }
//   'W'     = ts:u64                    (a watermark line)
//   str     = len:u32 bytes
//
// Integers are little-endian. A shape ('S') is the probe, the argument
// names and kinds an event ('E') has; it comes before its first event.
// `changed` has a bit per bracketed field, in order: a field whose bit is
// clear is the previous event's (any shape; 0 or "" for the first). A
// string argument of length 0xffffffff is the previous event's of the same
// shape. So an event of a recording costs its time, its arguments and what
// changed (~40 bytes for sched_process_fork).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/replay/events.h"

#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace obs::replay {

inline constexpr std::string_view kBinaryEventsMagic{"\x7fOBSEV1\n", 8};

/// FILE names a binary events file (it ends in ".obsb").
bool isBinaryEventsPath(std::string_view path);

/// Writes events in the binary form (the magic first).
class BinaryEventWriter {
public:
  explicit BinaryEventWriter(std::ostream &out);
  void write(const ReplayEvent &ev);

private:
  std::ostream &out_;
  std::map<std::string, uint32_t> shapes_; ///< by the 'S' body (after the id)
  std::string rec_, key_;
  ReplayEvent prev_; ///< the previous event's fields
  std::vector<std::vector<std::string>> prevStrings_; ///< per shape, per arg
};

/// Decodes the records of a binary events file (EventReader uses it).
class BinaryEventDecoder {
public:
  /// One record's body; false with `error` when it is malformed.
  bool decode(char tag, std::string_view body, ReplayEvent &ev, bool &isEvent,
              std::string &error);

private:
  struct Shape {
    std::string probe;
    bool positional = false;
    std::vector<std::string> names;
    std::vector<uint8_t> kinds;
    uint64_t id = 0;                  ///< ReplayEvent::shape
    std::vector<std::string> strings; ///< the previous event's string args
  };
  std::vector<Shape> shapes_;
  ReplayEvent prev_;                  ///< the previous event's fields
  const ReplayEvent *last_ = nullptr; ///< the event the last record filled
};

} // namespace obs::replay
