//===- backend.h - codegen and runtime stages of obsc ---------------------===//
#pragma once

#include "tools/obsc/pipeline.h"

#include <ostream>

namespace obs {

/// Lowers the checked program, loads and attaches it, and runs until the
/// script exits, the traced command ends, or SIGINT/SIGTERM. Returns the
/// process exit status.
int runBackEnd(Compilation &c, std::ostream &out);

/// `obsc -l [PATTERN] [-v]`.
int listProbes(const Options &o, std::ostream &out);

} // namespace obs
