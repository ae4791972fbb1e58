//===- window_adapter.h - time-engine results into printable records
//-------===//
//
// The time engine (runtime/window) speaks key ids, raw exemplars and one
// value struct for every function; the printers take decoded keys and one
// shape per function. These two functions are the whole translation; the
// caller supplies what only it knows (key types, summaries, stacks).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/output/printer.h"
#include "runtime/window/alerts.h"

#include <functional>

namespace obs::output {

/// Decodes one key of a windowed map into its parts.
using KeyDecoder = std::function<std::vector<KeyPart>(window::KeyId)>;

/// One closed window as printWindow() takes it. `quantity` is the unit of
/// the map's values (sema's type of the map). rate, slope, r2, predict and
/// quantile values are numbers; keys whose function has no value in this
/// window (a slope of one event) are left out.
WindowDump windowDumpFrom(const window::WindowResult &r,
                          const KeyDecoder &decodeKey, Quantity quantity = {});

/// One alert transition as printAlert() takes it, with times from the
/// origin and the exemplar's fields. The caller fills `key` (names and
/// decoded values), `summary`, `values`, `peakQuantity` and exemplar stacks.
AlertRecord alertRecordFrom(const window::AlertTransition &t,
                            uint64_t originNs);

} // namespace obs::output
