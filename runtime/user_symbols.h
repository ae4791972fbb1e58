//===- user_symbols.h - user-space addresses as function+offset -----------===//
//
// ustack frames and usym() values cross from the kernel as addresses with
// the tgid they belong to (contract.h: KeyField/FormatArg UStack, USym).
// User space turns them into `function+offset` the way bpftrace 0.17 does:
// the process's mapping holding the address (/proc/PID/maps), the file
// offset in that mapping, the virtual address of that offset in the ELF
// file's PT_LOAD segments (so PIE executables and shared libraries resolve
// the same way as fixed executables), then the function symbol around it
// (.symtab and .dynsym, read by lang/sema/catalog/elf_symbols).
//
// Processes often exit before their addresses are printed (a `-c` workload
// ends, then the maps are dumped), so a process's mappings are read once
// while it lives: snapshot() when its records are consumed or when a map
// key names it (snapshotMapPids, from the session tick). Files are read
// once per (device, inode).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace obs {

class Loader;

/// One line of /proc/PID/maps.
struct UserMapping {
  uint64_t start = 0, end = 0; ///< [start, end)
  uint64_t fileOffset = 0;     ///< of `start` in the file
  uint64_t dev = 0, inode = 0; ///< major << 32 | minor; 0 for anonymous
  bool exec = false;           ///< mapped executable
  std::string path;            ///< file, "[vdso]", "[heap]", or empty
};

/// Parses /proc/PID/maps text; malformed lines are skipped.
std::vector<UserMapping> parseProcMaps(std::string_view text);

/// A user address resolved: the function, the offset into it and the
/// module (the mapped file).
struct UserSymbol {
  std::string name; ///< demangled; empty when no function holds it
  uint64_t offset = 0;
  std::string module; ///< the mapping's path; empty when none holds it
};

/// Resolves (tgid, address) pairs; one per process (userSymbolizer()).
/// Thread-safe.
class UserSymbolizer {
public:
  UserSymbolizer();
  ~UserSymbolizer();
  UserSymbolizer(const UserSymbolizer &) = delete;
  UserSymbolizer &operator=(const UserSymbolizer &) = delete;

  /// Reads PID's mappings unless they were read already. False when the
  /// process is gone and nothing was read before.
  bool snapshot(uint32_t pid);
  /// Uses `maps` as PID's mappings (tests, and processes read elsewhere).
  void setMappings(uint32_t pid, std::vector<UserMapping> maps);
  /// Whether PID's mappings are known.
  bool known(uint32_t pid) const;

  /// The function holding `addr` in PID. Reads the mappings on first use
  /// and again when the address is in none of them while PID still lives
  /// (a library loaded since).
  UserSymbol resolve(uint32_t pid, uint64_t addr);

  /// bpftrace's text: `func+off` (`offset`), `func` (usym()), either with
  /// ` (module)` appended (`module`, perf stacks); unknown: `0x7f12...`
  /// (with ` ([unknown])` for `module`).
  std::string text(uint32_t pid, uint64_t addr, bool offset, bool module);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The process-wide symbolizer the output uses.
UserSymbolizer &userSymbolizer();

/// Snapshots every process named by a UStack/USym key of the object's
/// script maps that has not been seen yet, so its stacks still resolve
/// after it exits. Cheap when nothing is new; call it on the session tick.
void snapshotMapPids(const Loader &loader);

} // namespace obs
