//===- host_jit.cpp - ORC LLJIT for the host half of a script -------------===//

#include "codegen/host/host_jit.h"

#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <chrono>
#include <mutex>

namespace obs {

namespace {
std::string message(llvm::Error e) { return llvm::toString(std::move(e)); }

void optimize(llvm::Module &m, llvm::TargetMachine *tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2).run(m, mam);
}
} // namespace

HostJit::~HostJit() = default;

std::unique_ptr<HostJit> HostJit::create(std::string &error) {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    error = message(jtmb.takeError());
    return nullptr;
  }
  jtmb->setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);
  auto layout = jtmb->getDefaultDataLayoutForTarget();
  if (!layout) {
    error = message(layout.takeError());
    return nullptr;
  }
  std::unique_ptr<HostJit> h(new HostJit);
  h->triple_ = jtmb->getTargetTriple().str();
  h->layout_ = *layout;
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*jtmb)).create();
  if (!jit) {
    error = message(jit.takeError());
    return nullptr;
  }
  h->jit_ = std::move(*jit);
  return h;
}

bool HostJit::defineAbsolute(const std::vector<std::pair<std::string, void *>> &symbols,
                             std::string &error) {
  llvm::orc::SymbolMap map;
  for (const auto &[name, addr] : symbols)
    map[jit_->mangleAndIntern(name)] = llvm::orc::ExecutorSymbolDef(
        llvm::orc::ExecutorAddr::fromPtr(addr),
        llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
  if (llvm::Error e = jit_->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(map)))) {
    error = message(std::move(e));
    return false;
  }
  return true;
}

bool HostJit::addModule(std::unique_ptr<llvm::Module> m, std::unique_ptr<llvm::LLVMContext> ctx,
                        std::string &error) {
  auto t0 = std::chrono::steady_clock::now();
  std::string verify;
  llvm::raw_string_ostream vs(verify);
  if (llvm::verifyModule(*m, &vs)) {
    error = "host module does not verify: " + verify;
    return false;
  }
  optimize(*m, nullptr);
  if (llvm::Error e =
          jit_->addIRModule(llvm::orc::ThreadSafeModule(std::move(m), std::move(ctx)))) {
    error = message(std::move(e));
    return false;
  }
  compileMs_ +=
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return true;
}

void *HostJit::lookup(const std::string &name, std::string &error) {
  auto t0 = std::chrono::steady_clock::now();
  auto sym = jit_->lookup(name);
  compileMs_ +=
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!sym) {
    error = message(sym.takeError());
    return nullptr;
  }
  return sym->toPtr<void *>();
}

} // namespace obs
