//===- record.h - decoding `obsc record`'s Record events ------------------===//
//
// The kernel half of record mode is codegen/record.cpp (Lowering::emitRecord);
// this decodes its Record events (contract::RecordHeader and the payload
// ProgramSpec::record describes) into replay events (spec §15.1).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"
#include "lang/sema/types.h"
#include "runtime/replay/events.h"

#include <cstdint>
#include <string>
#include <vector>

namespace obs {

/// The probe name replay matches for a program: "tracepoint:C:E",
/// "kprobe:F", "uprobe:BIN:F", as written for profile/interval/software.
std::string recordProbeName(const contract::ProgramSpec &ps);

/// Decodes one Record event. `formats[i]` is the args record of program i
/// when it is a tracepoint (from ProbeCatalog::tracepointArgs), else null.
/// False with `error` when the record is malformed.
bool decodeRecord(const contract::ObjectSpec &spec, const std::vector<const Type *> &formats,
                  const uint8_t *record, size_t size, replay::ReplayEvent &ev,
                  std::string &error);

} // namespace obs
