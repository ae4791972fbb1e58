//===- backend.h - codegen and runtime stages of obsc ---------------------===//
#pragma once

#include "runtime/session.h"
#include "tools/obsc/pipeline.h"

#include <functional>

#include <ostream>

namespace obs {

/// Lowers the checked program, loads and attaches it, and runs until the
/// script exits, the traced command ends, or SIGINT/SIGTERM. Returns the
/// process exit status.
/// `obsc record` (record_command.cpp) adds to a run: Record events in the
/// kernel half, and its hooks, set up just before the run starts.
struct BackEndExtras {
  bool record = false;
  std::function<void(RunHooks &hooks, const contract::ObjectSpec &spec)> setup;
};
int runBackEnd(Compilation &c, std::ostream &out, const BackEndExtras *extras = nullptr);

/// `obsc -l [PATTERN] [-v]`.
int listProbes(const Options &o, std::ostream &out);

} // namespace obs
