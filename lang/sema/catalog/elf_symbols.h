//===- elf_symbols.h - function symbols and USDT notes of an ELF file
//------===//
//
// What uprobe and usdt probes attach to: function symbols from .symtab and
// .dynsym, and SystemTap SDT notes (.note.stapsdt). Read with libelf when
// the file is opened; one object per file, cached by the ProbeCatalog.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace obs {

/// A function symbol of an ELF file.
struct ElfSymbol {
  std::string name;
  uint64_t address = 0;    ///< st_value: the virtual address
  uint64_t size = 0;       ///< st_size
  uint64_t fileOffset = 0; ///< where the code is in the file (uprobe offset)
  bool dynamic = false;    ///< from .dynsym (else .symtab)
};

/// One argument of a USDT probe, from its x86-64 spec: `-4@%edi` (register),
/// `8@-16(%rbp)` or `8@8(%rax,%rdx,8)` (memory), `4@$7` (constant),
/// `8@counter(%rip)` (a symbol's address, memory).
struct UsdtArgument {
  enum class Kind { Constant, Register, Memory } kind = Kind::Register;
  unsigned size = 8;     ///< bytes: 1, 2, 4 or 8
  bool isSigned = false; ///< a negative size in the spec
  int64_t value = 0;     ///< Constant: the value; Memory: the displacement
  std::string reg;       ///< Register and Memory base: as written ("edi")
  std::string indexReg;  ///< Memory: index register, empty when none
  unsigned scale = 1;    ///< Memory: index scale
  std::string symbol;    ///< Memory: symbolic displacement (`counter`)
  std::string spec;      ///< the argument as written
};

/// The `struct pt_regs` field (x86-64) holding a register, any width:
/// "edi" -> "di", "r8d" -> "r8", "rip" -> "ip"; empty when unknown.
std::string ptRegsField(const std::string &reg);

/// A USDT probe from one `stapsdt` note.
struct UsdtProbe {
  std::string provider;
  std::string name;
  uint64_t location = 0; ///< pc, adjusted for prelink via .stapsdt.base
  uint64_t fileOffset = 0;
  uint64_t base = 0;      ///< the note's .stapsdt.base address
  uint64_t semaphore = 0; ///< address of the semaphore, 0 when none
  std::string arguments;  ///< e.g. "-4@%edi 8@%rsi": one spec per argument
  /// Number of argument specs in `arguments`.
  unsigned argumentCount() const;
  /// The arguments, parsed; empty with `err` set on a spec it cannot read.
  std::vector<UsdtArgument> parseArguments(std::string &err) const;
};

class ElfSymbols {
public:
  /// Reads `path`; on failure returns null and sets `err`.
  static std::unique_ptr<ElfSymbols> open(const std::string &path,
                                          std::string &err);

  const std::string &path() const { return path_; }
  /// Function symbols (STT_FUNC, STT_GNU_IFUNC, defined), sorted by name,
  /// one per (name, address).
  const std::vector<ElfSymbol> &functions() const { return functions_; }
  /// The first function symbol named `name`, or null.
  const ElfSymbol *find(const std::string &name) const;
  const std::vector<UsdtProbe> &usdt() const { return usdt_; }
  bool isSharedObject() const { return shared_; }
  /// The GNU build ID (.note.gnu.build-id) in lowercase hex; empty if none.
  /// Separate debug files are found by it (/usr/lib/debug/.build-id/).
  const std::string &buildId() const { return buildId_; }

  /// Translates a virtual address to a file offset via the PT_LOAD segments.
  uint64_t fileOffsetOf(uint64_t address) const;
  /// The inverse, for symbolizing a mapped address: the virtual address of
  /// file offset `offset` in the PT_LOAD segment holding it; false when no
  /// segment's file bytes hold it.
  bool addressOfFileOffset(uint64_t offset, uint64_t &address) const;

private:
  struct Segment {
    uint64_t vaddr, offset, filesz;
  };
  std::string path_;
  bool shared_ = false;
  std::string buildId_;
  std::vector<Segment> segments_;
  std::vector<ElfSymbol> functions_;
  std::vector<UsdtProbe> usdt_;
};

} // namespace obs
