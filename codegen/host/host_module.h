//===- host_module.h - probe bodies lowered for the host ------------------===//
//
// One lowering, two targets: the same cg::Lowering that makes the BPF
// programs lowers the probe bodies into a host module when given the host
// HelperTarget (host_helpers.cpp), whose helper calls go to the simulated
// maps and helpers of host_runtime.h. Every map global becomes a constant
// pointer to its HostMap in `rt`.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/codegen.h"
#include "codegen/helpers.h"
#include "codegen/host/host_runtime.h"

#include <llvm/IR/DataLayout.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <memory>
#include <string>

namespace obs {

struct HostModule {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
  contract::ObjectSpec spec; ///< programs, script maps, printf formats
  /// HostMap of each script map, by ObjectSpec::maps index.
  std::vector<host::HostMap *> scriptMaps;
  host::HostMap *lateMap = nullptr; ///< obs_late, if the program has one
};

/// Lowers every probe of the checked program for the host. False after
/// reporting into `diags`.
/// `filterPid` is -p PID, as for the kernel half.
bool lowerToHostModule(const CodegenInput &in, Diagnostics &diags, host::HostRuntime &rt,
                       const llvm::DataLayout &layout, const std::string &triple,
                       HostModule &out, int filterPid = 0);

/// The host HelperTarget: calls to host_runtime.cpp's functions, with `rt`
/// passed as a constant.
std::unique_ptr<HelperTarget> createHostHelpers(host::HostRuntime &rt);

} // namespace obs
