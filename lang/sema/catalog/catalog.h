//===- catalog.h - what can be probed on this machine, with which types ---===//
//
// The one place sema asks "does this probe exist, and what are its argument
// types". It reads tracefs (tracepoint formats), kernel BTF (structs, kernel
// functions, raw tracepoints), ELF files (uprobe symbols, USDT notes) and
// /proc/kallsyms. Everything is lazy: nothing is read until a question needs
// it, and BTF types become obs Types one at a time, their fields on first use.
// Tests point the catalog at the checked-in inputs in test/lit/Inputs.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/sema/catalog/elf_symbols.h"
#include "lang/sema/catalog/kernel_symbols.h"
#include "lang/sema/catalog/wildcard.h"
#include "lang/sema/types.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace obs {

/// Where the catalog reads from. Defaults are the running kernel's.
struct CatalogOptions {
  /// Kernel BTF: raw BTF (/sys/kernel/btf/vmlinux) or an ELF file with a
  /// .BTF section (the hermetic test input). Empty: no BTF.
  std::string btfPath = "/sys/kernel/btf/vmlinux";
  /// The tracefs root (holding `events/`). Empty: /sys/kernel/tracing, then
  /// /sys/kernel/debug/tracing; when neither has `events/` and we are root,
  /// tracefs is mounted on /sys/kernel/tracing.
  std::string tracefsDir = "";
  /// Symbol table for KernelSymbols.
  std::string kallsymsPath = "/proc/kallsyms";
  /// Directories searched for `uprobe:libc:...`. Empty: the standard ones.
  std::vector<std::string> libraryDirs;
};

/// A parameter of a kernel function or raw tracepoint.
struct FunctionParam {
  std::string name; ///< from BTF; `argN` when BTF has none
  const Type *type = nullptr;
};

/// The C signature of a kernel function (fentry/fexit) or raw tracepoint.
struct FunctionSignature {
  std::string name;
  std::vector<FunctionParam> params;
  const Type *returnType = nullptr; ///< void for raw tracepoints
  bool variadic = false;
};

/// A tracepoint, `category:event`.
struct TracepointName {
  std::string category;
  std::string event;
  bool operator<(const TracepointName &o) const {
    return category != o.category ? category < o.category : event < o.event;
  }
  bool operator==(const TracepointName &o) const {
    return category == o.category && event == o.event;
  }
};

class BtfSource;

/// See the file comment. One per compilation; not thread-safe. Types it
/// creates live in the TypeTable; the catalog must outlive their lazy fields
/// (a lazy record left when the catalog dies simply stays empty).
class ProbeCatalog {
public:
  ProbeCatalog(TypeTable &types, CatalogOptions options = {});
  ~ProbeCatalog();
  ProbeCatalog(const ProbeCatalog &) = delete;
  ProbeCatalog &operator=(const ProbeCatalog &) = delete;

  TypeTable &types() { return types_; }
  const CatalogOptions &options() const { return options_; }

  //===-- tracepoints (tracefs) -------------------------------------------===//

  /// The tracefs root in use, found (or mounted) on first call; empty when
  /// there is none, with the reason in tracefsError().
  const std::string &tracefsDir();
  const std::string &tracefsError() const { return tracefsError_; }
  /// Categories (directories of `events/`), sorted.
  std::vector<std::string> tracepointCategories();
  /// Events of one category, sorted; empty if the category does not exist.
  std::vector<std::string> tracepointEvents(const std::string &category);
  bool hasTracepoint(const std::string &category, const std::string &event);
  /// Tracepoints whose category and event match the two wildcard patterns
  /// (`syscalls`, `sys_enter_*`), sorted. Lists only the directories needed.
  std::vector<TracepointName>
  matchTracepoints(const std::string &categoryPattern,
                   const std::string &eventPattern);
  /// The record of `events/CAT/EVENT/format`, named "args of CAT:EVENT",
  /// size the whole event record, with the event's own fields (common_*
  /// fields are hidden, as bpftrace does). Field types:
  ///  - integers: `size` bytes, `signed` from the format (not the C type);
  ///  - `char x[N]` (any 1-byte char element): String of size N;
  ///  - other arrays `T x[N]`: Array of N integers of size/N bytes;
  ///  - `__data_loc char[] x`: String of size 0, the mark of a dynamic
  ///    string: the 4-byte field at `offset` holds (length << 16 | offset of
  ///    the bytes from the record start); other `__data_loc T[]`: Buffer of
  ///    size 0 with the same encoding;
  ///  - `T *x`: pointer to int8 for char, to the BTF record for
  ///    `struct S *` (void when BTF lacks it), else to an integer of T's
  ///    size or void.
  /// Cached; returns null and sets `err` when the format is missing or bad.
  const Type *tracepointArgs(const std::string &category,
                             const std::string &event, std::string &err);

  //===-- kernel BTF ------------------------------------------------------===//

  /// True once BTF is loaded (loads it on first call).
  bool hasBtf();
  const std::string &btfError();
  /// A C type by name: "struct task_struct", "union x", "enum y", a typedef
  /// ("u64", "pid_t") or a base type ("unsigned int", "char"); trailing
  /// `*`s make pointers. Typedefs are resolved; enums are integers of their
  /// size; function pointers are pointers to void. Records are named
  /// "struct NAME" / "union NAME" (anonymous ones take a typedef's name or
  /// "struct <anon:ID>") and get their fields lazily (Type::field()). Null
  /// when unknown.
  const Type *btfType(const std::string &name);
  /// Names of kernel functions in BTF (FUNC entries), sorted.
  const std::vector<std::string> &kernelFunctions();
  bool hasKernelFunction(const std::string &name);
  /// Kernel functions in BTF matching a wildcard pattern, sorted.
  std::vector<std::string> matchKernelFunctions(const std::string &pattern);
  /// The signature of a BTF kernel function, for fentry/fexit args/retval.
  std::optional<FunctionSignature> kernelFunction(const std::string &name,
                                                  std::string &err);
  /// Raw tracepoint names: the `btf_trace_<name>` typedefs, sorted.
  const std::vector<std::string> &rawTracepoints();
  std::vector<std::string> matchRawTracepoints(const std::string &pattern);
  /// A raw tracepoint's arguments (the leading `void *__data` dropped).
  std::optional<FunctionSignature> rawTracepoint(const std::string &name,
                                                 std::string &err);

  //===-- kprobes (tracefs) -----------------------------------------------===//

  /// `available_filter_functions`: what kprobes can attach to, including
  /// functions BTF does not know. Read (whole) on first call; empty when
  /// tracefs has no such file. Sorted, without module suffixes.
  const std::vector<std::string> &availableFilterFunctions();
  /// kprobe candidates matching a pattern: available_filter_functions when
  /// present, else BTF functions.
  std::vector<std::string> matchKprobeFunctions(const std::string &pattern);

  //===-- uprobes and USDT (ELF) ------------------------------------------===//

  /// A path (kept, made absolute), a library name (`libc`, `libc.so.6`)
  /// searched in the library directories, or a program name searched in
  /// PATH. Empty with `err` set when not found.
  std::string resolveBinary(const std::string &pathOrName, std::string &err);
  /// The ELF symbols of a binary (resolved as above). Cached per file.
  const ElfSymbols *elf(const std::string &pathOrName, std::string &err);
  /// The address of a function symbol in a binary.
  std::optional<ElfSymbol> symbol(const std::string &binary,
                                  const std::string &name, std::string &err);
  /// Function symbols of a binary matching a pattern, sorted, unique.
  std::vector<std::string> matchUprobeFunctions(const std::string &binary,
                                                const std::string &pattern,
                                                std::string &err);
  /// USDT probes (.note.stapsdt) of a binary.
  const std::vector<UsdtProbe> *usdtProbes(const std::string &binary,
                                           std::string &err);

  //===-- kallsyms --------------------------------------------------------===//

  /// /proc/kallsyms, loaded on first lookup.
  KernelSymbols &kernelSymbols();

private:
  BtfSource *btf();
  const Type *parseFormat(const std::string &category, const std::string &event,
                          const std::string &text, std::string &err);
  const Type *formatFieldType(const std::string &decl, uint32_t size,
                              bool isSigned, std::string &fieldName);

  TypeTable &types_;
  CatalogOptions options_;

  bool tracefsProbed_ = false;
  std::string tracefsDir_, tracefsError_;
  std::map<TracepointName, const Type *> tracepointArgs_;
  std::map<std::string, std::vector<std::string>> eventsByCategory_;
  std::optional<std::vector<std::string>> categories_;
  std::optional<std::vector<std::string>> filterFunctions_;

  bool btfProbed_ = false;
  std::unique_ptr<BtfSource> btf_;
  std::string btfError_;

  std::map<std::string, std::unique_ptr<ElfSymbols>> elfs_; // by resolved path
  std::unique_ptr<KernelSymbols> kallsyms_;
};

} // namespace obs
