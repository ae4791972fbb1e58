//===- session.h - one run of a compiled kernel half ----------------------===//
//
// The whole run for the obsc driver in one call: load (verifier errors
// mapped to script lines), BEGIN, attach, optionally start `-c CMD` once
// attached, drain the ring buffer until exit(), the command's end, a
// duration, or SIGINT/SIGTERM; then detach, END, drain, read every map and
// report lost events. Output goes through hooks so that runtime/output's
// printers (text, JSON) plug in without this file knowing them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"
#include "runtime/loader.h"
#include "runtime/maps.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace obs {

struct RunOptions {
  bool dryRun = false;                ///< load only (verifier), then close
  std::vector<std::string> command;   ///< -c: argv, started after attaching
  int durationMs = 0;                 ///< 0: until exit(), the command ends or a signal
  int pollMs = 100;                   ///< ring-buffer wait per poll
  bool printMapsAtExit = true;        ///< bpftrace prints every map at exit
};

struct RunHooks {
  /// A printf record, already formatted with its PrintfSpec.
  std::function<void(const contract::PrintfSpec &spec, const uint8_t *record, size_t size)>
      printf;
  /// print(@m) from a probe, and every map at exit (in map-table order).
  std::function<void(const MapDump &map)> printMap;
  /// Loss: called once at the end when any record was lost (never silent).
  std::function<void(uint64_t lost)> lost;
  /// Updates of `map` dropped because it was full: called at the end, per
  /// map with drops.
  std::function<void(const contract::MapSpec &map, uint64_t dropped)> mapFull;
  /// Text rendered by the runtime itself: time("%H:%M:%S").
  std::function<void(const std::string &text)> text;
  /// After END, before the object closes: read what is left (the last
  /// slots of windowed maps: readWindowSlot with loader.mapFd(spec.bpfName)).
  std::function<void(const Loader &loader)> atExit;
  /// Loaded and verified; BEGIN runs next.
  std::function<void()> loaded;
  /// Just before `loaded`: the object's maps exist (obs_stacks, read when
  /// printf prints a stack).
  std::function<void(const Loader &loader)> opened;
  /// A Pid record: a process whose user addresses entered a map key for
  /// the first time (its mappings are best read now, while it lives).
  std::function<void(uint32_t pid)> newPid;
  /// Attached: the run has started (start-up time ends here).
  std::function<void(size_t links)> attached;
  /// The run is over: END has run; the exit dump of maps follows.
  std::function<void()> exiting;
  /// Periodic, for windows: from the poll loop at least every 100 ms while
  /// attached (more often when records keep coming: at most every 20 ms),
  /// and once more after END has run and the ring buffer is drained
  /// (before `exiting`). nowKtimeNs is CLOCK_MONOTONIC, the kernel's
  /// bpf_ktime_get_ns clock.
  std::function<void(Loader &loader, uint64_t nowKtimeNs)> tick;
  /// `obsc record`: a Record event (contract::RecordHeader and payload).
  std::function<void(const uint8_t *record, size_t size)> record;
  /// cat() and system() records (laid out as Printf, format `spec`): the
  /// formatted text is a file to print or a shell command to run, in event
  /// order with the other output.
  std::function<void(contract::EventKind kind, const contract::PrintfSpec &spec,
                     const uint8_t *record, size_t size)>
      action;
};

struct RunResult {
  int exitCode = 0;       ///< 0, or 1 after an error; the -c command's status is separate
  int exitStatus = 0;     ///< exit(code)'s code, when a probe called it
  bool loadFailed = false;
  LoadError loadError;    ///< when loadFailed
  std::string error;      ///< attach/run errors
  uint64_t events = 0;    ///< ring-buffer records handled
  uint64_t lost = 0;      ///< failed reserves in the kernel
  uint64_t mapFull = 0;   ///< map updates dropped because the map was full
  int commandStatus = -1; ///< wait status of -c CMD, when there was one
};

/// Runs `object` to completion. Signals: SIGINT and SIGTERM end the run
/// (handlers are installed for its duration and restored after).
RunResult runSession(contract::BpfObject object, const RunOptions &options, RunHooks hooks);

} // namespace obs
