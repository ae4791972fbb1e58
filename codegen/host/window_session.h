//===- window_session.h - windows and alerts of a program on the host ----===//
//
// What `obsc test` (host_program.cpp) and the live run (live_windows.cpp)
// share: a TimeEngine with one WindowedMap per windowed MapSpec of the
// ObjectSpec (function, quantile/predict constants, exemplars for maps an
// alert reads, exemplar thresholds of `@m > CONST`), the alert conditions
// and bodies lowered to host code (alert_lowering.h) for a HostJit, and the
// printing of closed windows and alert transitions through runtime/output.
// Where the partials come from (host maps, kernel maps) is the caller's:
// it registers engine().onSlotDue and merges with mergeKernelPartial.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"
#include "lang/sema/sema.h"
#include "runtime/maps.h"
#include "runtime/window/time_engine.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llvm {
class Module;
}

namespace obs {

class HostJit;
namespace output {
class OutputFormat;
}

/// Key parts of a map key laid out as `fields` say.
std::vector<KeyPart> decodeKey(const std::vector<contract::KeyField> &fields,
                               const uint8_t *bytes);

class WindowSession {
public:
  /// `spec` must outlive the session.
  WindowSession(SemaContext &sema, output::OutputFormat &out, const contract::ObjectSpec &spec,
                int verbose, window::TimeEngine::Options engineOptions);
  ~WindowSession();

  /// Called per windowed map added: ObjectSpec::maps index and its spec.
  using MapHook = std::function<void(size_t mapIndex, const window::WindowSpec &ws)>;
  /// One WindowedMap per windowed MapSpec; windows and alerts print to `out`.
  void setupWindows(const MapHook &onMap = {});
  /// Lowers every alert's condition (and body, when it can) into `module`.
  bool lowerAlerts(llvm::Module &module, std::string &error);
  /// The host functions the alert code calls.
  static void addSymbols(std::vector<std::pair<std::string, void *>> &syms);
  /// After the module is in the JIT: looks the alert functions up.
  bool bindAlerts(HostJit &jit, std::string &error);
  size_t alertCount() const;
  size_t alertBodyCount() const;

  window::TimeEngine &engine();
  /// Windowed maps in the engine, engine id -> ObjectSpec::maps index.
  size_t mapCount() const;
  int scriptIndex(window::MapId m) const;
  /// Engine id of "@name", or -1.
  int engineId(const std::string &name) const;
  /// print(@m) of a windowed map: its last closed window.
  void printLastWindow(const contract::MapSpec &ms);

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace obs
