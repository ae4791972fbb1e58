//===- record_command.cpp - obsc record: a live run's events to a file ---===//
//
// The run is the ordinary live run (backend.cpp) with CodegenOptions::record
// set: every probe firing first sends a Record event (codegen/record.cpp),
// decoded here into a replay event. The ring buffer delivers records in
// reserve order per CPU, not in time order across CPUs, so the events are
// kept and written at the end, sorted by ts (stable: ties keep ring-buffer
// order), then one `{"watermark": END}` line with the session's end, so that
// `obsc test` closes the same windows the live run closed. A FILE ending in
// .obsb gets the binary form of the events (runtime/replay/event_binary.h).
//
//===----------------------------------------------------------------------===//
#include "tools/obsc/record_command.h"

#include "codegen/record.h"
#include "lang/sema/catalog/catalog.h"
#include "runtime/replay/event_binary.h"
#include "runtime/replay/events.h"
#include "tools/obsc/backend.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>

namespace obs {
namespace {

/// The session origin (obs_start_ns in .rodata, set by the loader).
uint64_t sessionStartNs(Loader &loader) {
  bpf_object *obj = loader.raw();
  if (!obj)
    return 0;
  bpf_map *map;
  bpf_object__for_each_map(map, obj) {
    const char *name = bpf_map__name(map);
    size_t len = strlen(name);
    if (bpf_map__is_internal(map) && len >= 7 && strcmp(name + len - 7, ".rodata") == 0) {
      size_t size = 0;
      const void *data = bpf_map__initial_value(map, &size);
      uint64_t v = 0;
      if (data && size >= sizeof v)
        std::memcpy(&v, data, sizeof v);
      return v;
    }
  }
  return 0;
}

uint64_t monotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

} // namespace

int runRecord(Compilation &c, std::ostream &out) {
  const std::string &path = c.options.events;
  bool toStdout = path == "-";
  std::ofstream file;
  if (!toStdout) {
    file.open(path, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "obsc: error: cannot write events file '" << path << "'\n";
      return 1;
    }
  }
  std::ostream &events = toStdout ? std::cout : file;
  // With the events on standard output, the script's own output goes to
  // standard error.
  std::ostream &scriptOut = toStdout ? std::cerr : out;

  std::vector<replay::ReplayEvent> recorded;
  std::vector<const Type *> formats;
  const contract::ObjectSpec *spec = nullptr;
  uint64_t bad = 0, endNs = 0, lastTickNs = 0;
  std::string firstError;

  BackEndExtras extras;
  extras.record = true;
  extras.setup = [&](RunHooks &hooks, const contract::ObjectSpec &s) {
    spec = &s;
    for (const contract::ProgramSpec &ps : s.programs) {
      std::string err;
      formats.push_back(ps.kind == contract::AttachKind::Tracepoint
                            ? c.catalog->tracepointArgs(ps.target, ps.func, err)
                            : nullptr);
    }
    hooks.record = [&](const uint8_t *rec, size_t size) {
      replay::ReplayEvent ev;
      std::string err;
      if (decodeRecord(*spec, formats, rec, size, ev, err))
        recorded.push_back(std::move(ev));
      else if (!bad++)
        firstError = err;
    };
    // The end of the session, in event time: the last tick's time when live
    // windows tick (their end, so replay ends its windows at the same time),
    // else now: after END, before closing.
    if (auto tick = hooks.tick)
      hooks.tick = [&, tick](Loader &l, uint64_t now) {
        lastTickNs = now;
        tick(l, now);
      };
    auto atExit = hooks.atExit;
    hooks.atExit = [&, atExit](const Loader &l) {
      uint64_t start = sessionStartNs(const_cast<Loader &>(l));
      uint64_t now = lastTickNs ? lastTickNs : monotonicNs();
      if (start && now > start)
        endNs = now - start;
      if (atExit)
        atExit(l);
    };
  };
  // The object moves into the session: keep a copy of the spec the records
  // refer to.
  contract::ObjectSpec kept;
  auto setup = extras.setup;
  extras.setup = [&, setup](RunHooks &hooks, const contract::ObjectSpec &s) {
    kept = s;
    setup(hooks, kept);
  };
  int status = runBackEnd(c, scriptOut, &extras);
  scriptOut.flush();
  if (!spec)
    return status; // compile or load failed, already reported

  std::stable_sort(recorded.begin(), recorded.end(),
                   [](const replay::ReplayEvent &a, const replay::ReplayEvent &b) {
                     return a.ts < b.ts;
                   });
  // FILE.obsb: the binary form (event_binary.h), which replays faster.
  std::unique_ptr<replay::BinaryEventWriter> binary;
  if (replay::isBinaryEventsPath(path))
    binary = std::make_unique<replay::BinaryEventWriter>(events);
  auto write = [&](const replay::ReplayEvent &ev) {
    if (binary)
      binary->write(ev);
    else
      events << replay::formatEventLine(ev) << "\n";
  };
  for (const replay::ReplayEvent &ev : recorded)
    write(ev);
  if (!recorded.empty())
    endNs = std::max(endNs, recorded.back().ts);
  if (endNs) {
    replay::ReplayEvent wm;
    wm.watermarkOnly = true;
    wm.ts = endNs;
    write(wm);
  }
  events.flush();
  if (!events) {
    std::cerr << "obsc: error: cannot write events file '" << path << "'\n";
    return 1;
  }
  if (bad)
    std::cerr << "obsc: " << bad << " malformed record(s) not written: " << firstError << "\n";
  if (c.options.verbose)
    std::cerr << "obsc: recorded " << recorded.size() << " events\n";
  return status;
}

} // namespace obs
