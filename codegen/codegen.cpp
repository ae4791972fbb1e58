//===- codegen.cpp - from the checked program to a BPF object -------------===//

#include "codegen/codegen.h"
#include "codegen/bpf_target.h"
#include "codegen/lowering.h"

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/Utils/Cloning.h>

namespace obs {

std::unique_ptr<llvm::Module> lowerToBpfModule(llvm::LLVMContext &ctx, const CodegenInput &in,
                                               contract::ObjectSpec &spec, Diagnostics &diags,
                                               const CodegenOptions &opts) {
  auto m = std::make_unique<llvm::Module>("obs", ctx);
  // The layout must be known while lowering: it decides the alignment of
  // every load and store (an i64 aligned to 4 would be split in two).
  m->setTargetTriple("bpfel");
  m->setDataLayout("e-m:e-p:64:64-i64:64-i128:128-n32:64-S128");
  auto helpers = createBpfHelpers();
  cg::Lowering lowering(*m, *helpers, in, diags, opts, spec);
  if (!lowering.run())
    return nullptr;
  return m;
}

std::optional<contract::BpfObject> compileToBpf(const CodegenInput &in, Diagnostics &diags,
                                                const CodegenOptions &opts, CodegenDumps dumps) {
  std::string error;
  auto tm = createBpfTargetMachine(opts.cpu.empty() ? hostBpfCpu() : opts.cpu, error);
  if (!tm) {
    diags.report(DiagKind::bad_probe_arg, in.program.range, {error});
    return std::nullopt;
  }
  llvm::LLVMContext ctx;
  contract::BpfObject obj;
  auto m = lowerToBpfModule(ctx, in, obj.spec, diags, opts);
  if (!m)
    return std::nullopt;
  prepareBpfModule(*m, *tm);
  if (opts.optimize)
    optimizeBpfModule(*m, *tm);
  if (dumps.ir) {
    llvm::raw_string_ostream os(*dumps.ir);
    m->print(os, nullptr);
  }
  if (dumps.bpf) {
    // Assembly from a clone: the object emission below consumes the module.
    std::string text;
    auto clone = llvm::CloneModule(*m);
    if (!emitBpfAssembly(*clone, *tm, text, error)) {
      diags.report(DiagKind::bad_probe_arg, in.program.range, {error});
      return std::nullopt;
    }
    *dumps.bpf = std::move(text);
  }
  if (!emitBpfObject(*m, *tm, obj.elf, error)) {
    diags.report(DiagKind::bad_probe_arg, in.program.range, {error});
    return std::nullopt;
  }
  return obj;
}

} // namespace obs
