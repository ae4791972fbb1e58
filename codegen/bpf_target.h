//===- bpf_target.h - LLVM's BPF backend, in process ----------------------===//
//
// No clang or llc subprocess: the BPF target is initialised in this process,
// the module is optimised with the O2 pipeline and the ELF object (with
// .BTF/.BTF.ext when the module has debug info) is emitted to memory.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace obs {

/// The BPF ISA version to target: "v3" when the running kernel has jmp32
/// and alu32 (5.1+), "v2" otherwise (then "v1" for very old kernels).
std::string hostBpfCpu();

/// A TargetMachine for bpfel and `cpu`. Initialises the BPF target once.
/// Returns null and sets `error` when LLVM lacks the BPF target.
std::unique_ptr<llvm::TargetMachine> createBpfTargetMachine(const std::string &cpu,
                                                            std::string &error);

/// Sets the triple and data layout of `m` for `tm`.
void prepareBpfModule(llvm::Module &m, llvm::TargetMachine &tm);

/// Runs the O2 pipeline on `m`.
void optimizeBpfModule(llvm::Module &m, llvm::TargetMachine &tm);

/// Emits `m` as a relocatable ELF object into `out`. False on failure.
bool emitBpfObject(llvm::Module &m, llvm::TargetMachine &tm, std::vector<char> &out,
                   std::string &error);

/// Emits `m` as BPF assembly text (`--dump=bpf`).
bool emitBpfAssembly(llvm::Module &m, llvm::TargetMachine &tm, std::string &out,
                     std::string &error);

} // namespace obs
