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

#include <cstdint>
#include <string>

namespace obs {

/// The kernel function containing `addr` ("do_sys_openat2"), or the address
/// in hex when it is not in /proc/kallsyms (or that is unreadable).
std::string kernelSymbol(uint64_t addr);

/// A contract::InetAddr (24 bytes) as text: "10.0.0.1", "::1".
std::string inetToString(const uint8_t *inetAddr);

/// A KSym or Inet printf argument at `p` as text (empty for other kinds).
std::string renderSymbolicArg(const contract::FormatArg &arg, const uint8_t *p);

} // namespace obs
