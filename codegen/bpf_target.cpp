//===- bpf_target.cpp - LLVM's BPF backend, in process --------------------===//

#include "codegen/bpf_target.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>

#include <cstdio>
#include <mutex>
#include <sys/utsname.h>

extern "C" {
void LLVMInitializeBPFTargetInfo();
void LLVMInitializeBPFTarget();
void LLVMInitializeBPFTargetMC();
void LLVMInitializeBPFAsmPrinter();
}

namespace obs {

std::string hostBpfCpu() {
  struct utsname u;
  if (uname(&u) != 0)
    return "v2";
  int major = 0, minor = 0;
  if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2)
    return "v2";
  // v3 (alu32, jmp32) needs 5.1. v4 (sdiv, sign-extending loads) needs 6.6
  // but v3 is what we generate and test for; signed division is lowered.
  if (major > 5 || (major == 5 && minor >= 1))
    return "v3";
  if (major > 4 || (major == 4 && minor >= 14))
    return "v2";
  return "v1";
}

std::unique_ptr<llvm::TargetMachine> createBpfTargetMachine(const std::string &cpu,
                                                            std::string &error) {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeBPFTargetInfo();
    LLVMInitializeBPFTarget();
    LLVMInitializeBPFTargetMC();
    LLVMInitializeBPFAsmPrinter();
  });
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget("bpfel", error);
  if (!target)
    return nullptr;
  llvm::TargetOptions opts;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      "bpfel", cpu, "", opts, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!tm)
    error = "cannot create a BPF target machine for cpu " + cpu;
  return tm;
}

void prepareBpfModule(llvm::Module &m, llvm::TargetMachine &tm) {
  m.setTargetTriple("bpfel");
  m.setDataLayout(tm.createDataLayout());
}

void optimizeBpfModule(llvm::Module &m, llvm::TargetMachine &tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  mpm.run(m, mam);
}

static bool emit(llvm::Module &m, llvm::TargetMachine &tm, llvm::raw_pwrite_stream &os,
                 llvm::CodeGenFileType kind, std::string &error) {
  std::string verifyErrors;
  llvm::raw_string_ostream verr(verifyErrors);
  if (llvm::verifyModule(m, &verr)) {
    error = "internal error: invalid IR: " + verr.str();
    return false;
  }
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr, kind)) {
    error = "the BPF target cannot emit this file type";
    return false;
  }
  pm.run(m);
  return true;
}

bool emitBpfObject(llvm::Module &m, llvm::TargetMachine &tm, std::vector<char> &out,
                   std::string &error) {
  llvm::SmallVector<char, 0> buf;
  llvm::raw_svector_ostream os(buf);
  if (!emit(m, tm, os, llvm::CodeGenFileType::ObjectFile, error))
    return false;
  out.assign(buf.begin(), buf.end());
  return true;
}

bool emitBpfAssembly(llvm::Module &m, llvm::TargetMachine &tm, std::string &out,
                     std::string &error) {
  llvm::SmallVector<char, 0> buf;
  llvm::raw_svector_ostream os(buf);
  if (!emit(m, tm, os, llvm::CodeGenFileType::AssemblyFile, error))
    return false;
  out.assign(buf.begin(), buf.end());
  return true;
}

} // namespace obs
