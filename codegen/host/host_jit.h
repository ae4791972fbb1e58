//===- host_jit.h - ORC LLJIT for the host half of a script ---------------===//
//
// The user half of obs (alert conditions, and in `obsc test` the probe
// bodies too) runs as native code: modules lowered for the host are handed
// to an LLJIT created for the host triple. The host runtime's functions
// (maps, helpers, window reads) are given to it as absolute symbols, so
// nothing is resolved through the process's dynamic symbol table by accident.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <llvm/IR/DataLayout.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
namespace orc {
class LLJIT;
} // namespace orc
} // namespace llvm

namespace obs {

class HostJit {
public:
  /// The LLJIT for the host; null with `error` set when the native target
  /// is not available.
  static std::unique_ptr<HostJit> create(std::string &error);
  ~HostJit();

  const std::string &triple() const { return triple_; }
  const llvm::DataLayout &dataLayout() const { return layout_; }

  /// Functions of this process the JIT-compiled code calls, by name.
  bool defineAbsolute(const std::vector<std::pair<std::string, void *>> &symbols,
                      std::string &error);
  /// Compiles `m` (owned with its context) at O2. Time spent compiling is
  /// added to compileMs().
  bool addModule(std::unique_ptr<llvm::Module> m, std::unique_ptr<llvm::LLVMContext> ctx,
                 std::string &error);
  /// Address of a compiled function (materialises its module), or null.
  void *lookup(const std::string &name, std::string &error);

  double compileMs() const { return compileMs_; }

private:
  HostJit() = default;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::string triple_;
  llvm::DataLayout layout_{""};
  double compileMs_ = 0;
};

} // namespace obs
