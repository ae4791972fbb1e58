//===- test_command.h - obsc test: replay a script on the host ------------===//
#pragma once

#include "tools/obsc/pipeline.h"

#include <ostream>

namespace obs {

/// `obsc test FILE (--events EVENTS | --stream SPEC)`: compiles the whole
/// checked program for the host (probe bodies and alert conditions through
/// the ORC JIT) and runs it over the events in event-time order, printing
/// windows, alerts and probe output as a live run would. Returns the exit
/// status.
int runTest(Compilation &c, std::ostream &out);

} // namespace obs
