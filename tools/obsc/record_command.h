//===- record_command.h - obsc record: a live run's events to a file -----===//
#pragma once

#include "tools/obsc/pipeline.h"

#include <ostream>

namespace obs {

/// `obsc record -o EVENTS (FILE | -e PROG)`: runs the script live (its
/// output to `out`, or to standard error when EVENTS is `-`) with every
/// probe firing recorded, then writes the events in the replay format
/// (spec §15.1), in time order, ending with a watermark at the end of the run.
int runRecord(Compilation &c, std::ostream &out);

} // namespace obs
