//===- kernel_symbols.h - /proc/kallsyms, for ksym() and kaddr()
//-----------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace obs {

/// Kernel symbols from a kallsyms file, read on the first lookup. Without
/// root the kernel shows zero addresses; then nothing resolves (loaded() is
/// true, empty() too).
class KernelSymbols {
public:
  explicit KernelSymbols(std::string path = "/proc/kallsyms")
      : path_(std::move(path)) {}

  struct Symbol {
    uint64_t address = 0;
    std::string name;
    std::string module; ///< empty for vmlinux
    char kind = 'T';    ///< nm-style type letter
  };
  /// The symbol containing `address` (the greatest symbol address <= it),
  /// and the offset into it; null when below every symbol.
  const Symbol *lookup(uint64_t address, uint64_t *offset = nullptr);
  /// The address of `name` (the first one, for duplicated static names).
  std::optional<uint64_t> address(const std::string &name);
  bool empty();
  size_t size();
  /// Whether the file could be read; the reason otherwise.
  bool load(std::string *err = nullptr);

private:
  std::string path_;
  bool loaded_ = false;
  bool ok_ = false;
  std::string error_;
  std::vector<Symbol> byAddress_;
  std::vector<uint32_t> byName_; ///< indexes into byAddress_, sorted by name (on the first address())
};

} // namespace obs
