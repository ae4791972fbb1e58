//===- explain.h - `obsc --explain`: the funnel, probe by probe ------------===//
#pragma once

#include "codegen/contract.h"
#include "lang/sema/sema.h"

#include <ostream>

namespace obs {

/// Prints, per probe, what runs in the kernel and what crosses to user space
/// per event and per window; then what user space does at window close.
void explainProgram(std::ostream &os, const SemaContext &sema, const contract::ObjectSpec &spec);

} // namespace obs
