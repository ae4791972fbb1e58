//===- live_windows.h - windows and alerts of a live run ------------------===//
//
// In a live run the probe bodies run in the kernel and leave, per windowed
// map, per-CPU partials per slot (contract::MapSpec). LiveWindows is the
// user-space half: the TimeEngine and alerts of window_session.h (the same
// code `obsc test` runs), the alert conditions and bodies JIT-compiled on
// the host (no probe bodies), and a watermark that follows the clock:
//
//   engine time = ktime - startNs   (startNs: .rodata obs_start_ns, set by
//                                    the loader; the kernel's slot j is
//                                    [startNs + j*every, startNs + (j+1)*every))
//   watermark   = now - startNs - grace
//
// The grace (5 ms by default) covers events in flight on other CPUs: an
// event stamped before `now` whose map update has not landed yet. A slot
// is read (readWindowSlot, every CPU's partial merged with
// WindowedMap::mergeKernelPartial) when the watermark passes its end.
// Events the kernel could not place (their slot index already reused,
// obs_late) are recorded as late loss of the map; ring-buffer loss
// (obs_lost) as loss of the window current at the tick. Events that land
// in a slot after it was read are not seen (the grace makes them rare).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"
#include "lang/sema/sema.h"
#include "runtime/loader.h"

#include <memory>
#include <string>

namespace obs {

class ProbeCatalog;
namespace output {
class OutputFormat;
}

struct LiveWindowsOptions {
  int verbose = 0;               ///< -v: JIT time, what crossed per slot
  uint64_t graceNs = 5000000;    ///< in-flight events on other CPUs
};

class LiveWindows {
public:
  /// True when the program has windowed maps or alerts.
  static bool needed(const SemaContext &sema, const contract::ObjectSpec &spec);
  /// Sets up the engine for `spec` (copied) and JIT-compiles the alerts.
  /// Null after reporting to `error`.
  static std::unique_ptr<LiveWindows> create(SemaContext &sema, const contract::ObjectSpec &spec,
                                             ProbeCatalog &catalog, output::OutputFormat &out,
                                             const LiveWindowsOptions &opts, std::string &error);
  ~LiveWindows();

  /// RunHooks::tick: loss, then the watermark to now - startNs - grace
  /// (reading the slots that become due).
  void tick(Loader &loader, uint64_t nowKtimeNs);
  /// RunHooks::atExit (after the last tick): the slots not read yet,
  /// windows still open closed marked partial, alerts still firing.
  void finish(const Loader &loader);
  /// print(@m) of a windowed map (by its name, "@m"): its last closed
  /// window. False when `name` is not a windowed map.
  bool print(const std::string &name);
  /// Session origin (.rodata obs_start_ns); 0 before the first tick.
  uint64_t startNs() const;

  struct Impl;

private:
  explicit LiveWindows(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace obs
