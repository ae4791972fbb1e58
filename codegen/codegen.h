//===- codegen.h - lowering a checked program to a BPF object -------------===//
//
// The kernel half of a script: every probe body becomes one BPF program per
// attach point, every map a BTF-defined map in ".maps", and the contract
// (codegen/contract.h) describes records, formats and map layouts for the
// runtime. Entry points for the obsc driver.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"
#include "lang/grammar/ast.h"
#include "lang/sema/catalog/catalog.h"
#include "lang/sema/catalog/elf_symbols.h"
#include "lang/sema/sema.h"
#include "lang/support/diagnostics.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace obs {

/// What codegen reads: the checked AST and the map table.
struct CodegenInput {
  Program &program;
  const std::map<std::string, MapInfo> &maps;
  const SourceManager &sources;
  /// `param` values by name (identifiers that name a param lower to them).
  const std::map<std::string, const Expr *> *params = nullptr;
  /// $1, $2 ...: integers when the expression is typed as one, else strings.
  const std::vector<std::string> *positional = nullptr;
  /// Kernel records by name ("struct task_struct"), from BTF: `ppid` reads
  /// curtask->real_parent->tgid at their offsets.
  std::function<const Type *(const std::string &)> record;
  /// Alerts: the windowed maps they read keep an exemplar per key and slot.
  const std::vector<AlertInfo> *alerts = nullptr;
  /// Number of parameters of a kernel function (fexit `retval` follows
  /// them in the context), or -1 when unknown.
  std::function<int(const std::string &func)> functionArgCount;
  /// USDT probes (.note.stapsdt) of a binary, or null.
  std::function<const std::vector<UsdtProbe> *(const std::string &binary)> usdtProbes;
  /// The args record of a tracepoint (its format), or null: `obsc record`.
  std::function<const Type *(const std::string &category, const std::string &event)>
      tracepointFormat;
  /// kaddr("name"): the address of a kernel symbol (kallsyms), or nullopt.
  std::function<std::optional<uint64_t>(const std::string &name)> kernelSymbol;
};

struct CodegenOptions {
  std::string cpu;          ///< BPF ISA; empty: hostBpfCpu()
  bool optimize = true;     ///< run the O2 pipeline
  bool debugInfo = true;    ///< BTF for maps and line info (libbpf needs map BTF)
  uint32_t ringbufBytes = contract::kDefaultRingbufBytes;
  uint32_t mapEntries = contract::kDefaultMapEntries;
  int filterPid = 0;        ///< -p PID: only events of this process
  /// `obsc record`: every program first emits a Record event of its
  /// context (contract::RecordHeader, codegen/record.cpp).
  bool record = false;
  /// Keyed count/sum/avg/stats maps the program never reads go through a
  /// per-CPU write-combining cache (contract::kCombineSlots). The host
  /// target turns it off: its maps are read directly.
  bool writeCombine = true;
  /// The first time a process's ustack/usym enters a map key, a Pid record
  /// tells user space to read its mappings while it lives (obsc sets it).
  bool notePids = false;
  /// kprobe:F and kretprobe:F are compiled as fentry:F and fexit:F (same
  /// arguments, arg0..; retval) when F has BTF: obsc sets it where the
  /// kernel has no kprobes (--kprobes=auto) or when asked (--kprobes=fentry).
  bool kprobesAsFentry = false;
};

/// Dumps requested by `--dump=ir|bpf`, filled when non-null.
struct CodegenDumps {
  std::string *ir = nullptr;  ///< LLVM IR after optimisation (before, when !optimize)
  std::string *bpf = nullptr; ///< BPF assembly
};

/// Lowers the checked program into a new module of `ctx` and fills `spec`.
/// Returns null after reporting into `diags` when something cannot be lowered.
std::unique_ptr<llvm::Module> lowerToBpfModule(llvm::LLVMContext &ctx, const CodegenInput &in,
                                               contract::ObjectSpec &spec, Diagnostics &diags,
                                               const CodegenOptions &opts = {});

/// Lowers, optimises and emits the BPF ELF object.
std::optional<contract::BpfObject> compileToBpf(const CodegenInput &in, Diagnostics &diags,
                                                const CodegenOptions &opts = {},
                                                CodegenDumps dumps = {});

inline std::optional<contract::BpfObject> compileToBpf(SemaContext &sema,
                                                       const CodegenOptions &opts = {},
                                                       CodegenDumps dumps = {}) {
  CodegenInput in{sema.ast.program, sema.maps, sema.sources, &sema.params,
                  &sema.options.positional,
                  [&sema](const std::string &n) { return sema.catalog.btfType(n); },
                  &sema.alerts,
                  [&sema](const std::string &f) {
                    std::string err;
                    auto sig = sema.catalog.kernelFunction(f, err);
                    return sig ? int(sig->params.size()) : -1;
                  },
                  [&sema](const std::string &binary) {
                    std::string err;
                    return sema.catalog.usdtProbes(binary, err);
                  },
                  [&sema](const std::string &cat, const std::string &event) {
                    std::string err;
                    return sema.catalog.tracepointArgs(cat, event, err);
                  },
                  [&sema](const std::string &name) -> std::optional<uint64_t> {
                    auto a = sema.catalog.kernelSymbols().address(name);
                    if (!a || !*a)
                      return std::nullopt;
                    return a;
                  }};
  return compileToBpf(in, sema.diags, opts, dumps);
}

} // namespace obs
