//===- symbols.h - kernel symbols and addresses as text -------------------===//
//
// ksym() values and ntop() addresses cross from the kernel as numbers and
// bytes (contract.h: FormatArg/KeyField kinds KSym and Inet); user space
// renders them: kernel symbols from /proc/kallsyms (read once), addresses
// with inet_ntop.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"
#include "runtime/output/printer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace obs {

/// The kernel function containing `addr` ("do_sys_openat2"), or the address
/// in hex when it is not in /proc/kallsyms (or that is unreadable).
std::string kernelSymbol(uint64_t addr);

/// A contract::InetAddr (24 bytes) as text: "10.0.0.1", "::1".
std::string inetToString(const uint8_t *inetAddr);

/// A KSym, USym or Inet printf argument at `p` as text (empty for other
/// kinds: stacks need the stack map, see renderSymbolicPrintf).
std::string renderSymbolicArg(const contract::FormatArg &arg, const uint8_t *p);

/// The frames of stack `id` in the obs_stacks map `stacksFd`, innermost
/// first, at most `limit`; empty when the id is negative or unknown.
std::vector<uint64_t> readStackFrames(int stacksFd, int64_t id,
                                      uint32_t limit = contract::kStackFrames);

/// printf arguments only user space can render (KSym, USym, KStack, UStack)
/// turned into text: `outSpec` and `outRecord` are copies of the record in
/// which each is a String argument. False (nothing written) when the record
/// has none, so the caller formats the original.
bool renderSymbolicPrintf(const contract::PrintfSpec &spec,
                          const uint8_t *record, size_t size, int stacksFd,
                          const output::Symbolizer &symbolize,
                          contract::PrintfSpec &outSpec,
                          std::vector<uint8_t> &outRecord);

} // namespace obs
