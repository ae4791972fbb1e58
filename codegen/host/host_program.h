//===- host_program.h - a whole script running on the host ----------------===//
//
// What `obsc test` runs: the probe bodies lowered for the host with the
// same Lowering as the BPF half (host_module.h), the alert conditions
// compiled to host code (alert_lowering.h), both JIT-compiled by one
// HostJit, and the time engine fed the way the live runtime feeds it: each
// windowed map's partials are read per slot from the (host) maps when the
// slot is due and merged with WindowedMap::mergeKernelPartial. Windows and
// alerts go to the same printers as a live run.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/sema/sema.h"
#include "runtime/replay/events.h"
#include "runtime/window/time_engine.h"

#include <memory>
#include <string>

namespace obs {

class ProbeCatalog;
namespace output {
class OutputFormat;
}

struct HostProgramOptions {
  int verbose = 0; ///< -v: pending alerts, JIT compile time
  int pid = 0;     ///< -p PID: probes run only for this process's events
  std::string *dumpIr = nullptr; ///< --dump=ir: the host module, before O2
};

class HostProgram {
public:
  /// Lowers and JIT-compiles the checked program. Null after reporting:
  /// lowering errors go to sema.diags, others to `error`.
  static std::unique_ptr<HostProgram> create(SemaContext &sema, ProbeCatalog &catalog,
                                             output::OutputFormat &out,
                                             const HostProgramOptions &opts, std::string &error);
  ~HostProgram();

  /// The time engine the replay loop observes events with (1 CPU, origin 0).
  window::TimeEngine &engine();
  /// BEGIN probes, at time 0.
  void begin();
  /// Runs the probes matching ev.probe on ev (call engine().observe first);
  /// false when none matches.
  bool run(const replay::ReplayEvent &ev);
  /// END probes, then the end of the session at endNs: last slots read,
  /// partial windows, alerts still firing, the exit dump of plain maps.
  void end(uint64_t endNs);
  /// exit() was called by a probe.
  bool exited() const;
  /// The only probe other than BEGIN, END and interval ("" if not one).
  std::string defaultProbe() const;
  double compileMs() const;
  /// Probe reads of memory the replay did not provide (they read zeros).
  uint64_t zeroedReads() const;

  struct Impl;

private:
  explicit HostProgram(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace obs
