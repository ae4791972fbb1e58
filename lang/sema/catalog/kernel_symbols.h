//===- kernel_symbols.h - /proc/kallsyms, for ksym(), kaddr() and stacks --===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace obs {

/// Kernel symbols from a kallsyms file, read on the first lookup. Without
/// root the kernel shows zero addresses; then nothing resolves (loaded() is
/// true, empty() too). The ~120 000 symbols of a kernel are kept compact:
/// their names in one block of text, 24 bytes a symbol (~5 MB in all).
class KernelSymbols {
public:
  explicit KernelSymbols(std::string path = "/proc/kallsyms")
      : path_(std::move(path)) {}

  /// One symbol, pointing into its table's text (valid while it lives).
  struct Symbol {
    uint64_t address = 0;
    std::string_view name;
    std::string_view module; ///< empty for vmlinux
    char kind = 'T';         ///< nm-style type letter
  };
  /// The symbol containing `address` (the greatest symbol address <= it),
  /// and the offset into it; nullopt when below every symbol.
  std::optional<Symbol> lookup(uint64_t address, uint64_t *offset = nullptr);
  /// The address of `name` (the first one, for duplicated static names).
  std::optional<uint64_t> address(const std::string &name);
  bool empty();
  size_t size();
  /// Whether the file could be read; the reason otherwise.
  bool load(std::string *err = nullptr);

private:
  struct Entry {
    uint64_t address;
    uint32_t nameAt;   ///< in text_
    uint16_t nameSize;
    uint16_t module;   ///< index in modules_ + 1; 0: vmlinux
    char kind;
  };
  std::string_view nameOf(const Entry &e) const { return {text_.data() + e.nameAt, e.nameSize}; }
  Symbol symbol(const Entry &e) const;

  std::string path_;
  bool loaded_ = false;
  bool ok_ = false;
  std::string error_;
  std::string text_;                 ///< every name, one after the other
  std::vector<std::string> modules_; ///< module names, in order of appearance
  std::vector<Entry> byAddress_;
  std::vector<uint32_t> byName_; ///< indexes into byAddress_, sorted by name (on the first address())
};

/// The kernel symbols of the running kernel that the runtime's ksym() and
/// stacks use: the catalog's (obsc sets them, so that --kallsyms applies and
/// the table is read once), else /proc/kallsyms.
KernelSymbols &runningKernelSymbols();
void setRunningKernelSymbols(KernelSymbols *symbols);

} // namespace obs
