//===- events.cpp - replay events and the JSON-lines event file reader
//-----===//

#include "runtime/replay/events.h"

#include "lang/support/json_text.h"

#include <atomic>
#include <cctype>
#include <cstdio>

namespace obs::replay {

const ReplayValue *ReplayEvent::arg(std::string_view name) const {
  for (const ReplayArg &a : args)
    if (a.name == name)
      return &a.value;
  return nullptr;
}

void ReplayEvent::reset() {
  probe.clear();
  ts = 0;
  cpu = pid = tid = ppid = uid = gid = 0;
  cgroup = 0;
  comm.clear();
  args.clear();
  positionalArgs = false;
  hasRetval = false;
  retval = 0;
  kstack.clear();
  ustack.clear();
  watermarkOnly = false;
  shape = 0;
}

uint64_t newEventShape() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

namespace {

void appendValue(std::string &out, const ReplayValue &v) {
  switch (v.kind) {
  case ReplayValue::Kind::Int: out += std::to_string(v.i); break;
  case ReplayValue::Kind::String: appendJsonString(out, v.s); break;
  case ReplayValue::Kind::IntArray:
    out += '[';
    for (size_t i = 0; i < v.array.size(); ++i) {
      if (i)
        out += ", ";
      out += std::to_string(v.array[i]);
    }
    out += ']';
    break;
  }
}

} // namespace

std::string formatEventLine(const ReplayEvent &ev) {
  std::string out;
  if (ev.watermarkOnly)
    return "{\"watermark\": " + std::to_string(ev.ts) + "}";
  out += "{\"probe\": ";
  appendJsonString(out, ev.probe);
  out += ", \"ts\": " + std::to_string(ev.ts);
  out += ", \"cpu\": " + std::to_string(ev.cpu);
  out += ", \"pid\": " + std::to_string(ev.pid);
  out += ", \"tid\": " + std::to_string(ev.tid);
  out += ", \"comm\": ";
  appendJsonString(out, ev.comm);
  if (ev.ppid)
    out += ", \"ppid\": " + std::to_string(ev.ppid);
  if (ev.uid)
    out += ", \"uid\": " + std::to_string(ev.uid);
  if (ev.gid)
    out += ", \"gid\": " + std::to_string(ev.gid);
  if (ev.cgroup)
    out += ", \"cgroup\": " + std::to_string(ev.cgroup);
  if (ev.hasRetval)
    out += ", \"retval\": " + std::to_string(ev.retval);
  if (!ev.args.empty() || ev.positionalArgs) {
    out += ", \"args\": ";
    out += ev.positionalArgs ? '[' : '{';
    for (size_t i = 0; i < ev.args.size(); ++i) {
      if (i)
        out += ", ";
      if (!ev.positionalArgs) {
        appendJsonString(out, ev.args[i].name);
        out += ": ";
      }
      appendValue(out, ev.args[i].value);
    }
    out += ev.positionalArgs ? ']' : '}';
  }
  for (auto *st : {&ev.kstack, &ev.ustack}) {
    if (st->empty())
      continue;
    out += st == &ev.kstack ? ", \"kstack\": [" : ", \"ustack\": [";
    for (size_t i = 0; i < st->size(); ++i) {
      if (i)
        out += ", ";
      appendJsonString(out, (*st)[i]);
    }
    out += ']';
  }
  out += '}';
  return out;
}

} // namespace obs::replay
