//===- main.cpp - obsc, the obs compiler and tracer -----------------------===//
#include "tools/obsc/backend.h"
#include "tools/obsc/options.h"
#include "tools/obsc/pipeline.h"
#include "tools/obsc/record_command.h"
#include "tools/obsc/test_command.h"

#include <iostream>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace obs;

/// Tracing loads BPF programs and opens perf events: root, or CAP_BPF with
/// CAP_PERFMON (CAP_SYS_ADMIN also does). Empty when we have them.
static std::string missingPrivileges() {
  if (geteuid() == 0)
    return "";
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &hdr, data) == 0) {
    auto has = [&](int cap) { return (data[cap / 32].effective >> (cap % 32)) & 1; };
    if (has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON)))
      return "";
  }
  return "tracing needs root, or the CAP_BPF and CAP_PERFMON capabilities; "
         "'obsc check' and 'obsc test' work without them";
}

int main(int argc, char **argv) {
  std::string error;
  auto opts = parseOptions(argc, argv, error);
  if (!opts) {
    std::cerr << "obsc: error: " << error << "\n"
              << "run 'obsc --help' for usage\n";
    return 1;
  }
  switch (opts->command) {
  case Command::Help:
    printUsage();
    return 0;
  case Command::Version:
    std::cout << "obsc 0.1.0\n";
    return 0;
  case Command::List:
    return listProbes(*opts, std::cout);
  case Command::Check: {
    Compilation c(*opts);
    return runFrontEnd(c, std::cout) ? 0 : 1;
  }
  case Command::Test: {
    Compilation c(*opts);
    if (!runFrontEnd(c, std::cout))
      return 1;
    return runTest(c, std::cout);
  }
  case Command::Run:
  case Command::Record: {
    bool compileOnly = !opts->dumps.empty() || opts->explain ||
                       ((!opts->output.empty() || !opts->emitLLVM.empty()) && !opts->dryRun);
    if (std::string why = compileOnly ? "" : missingPrivileges(); !why.empty()) {
      std::cerr << "obsc: error: " << why << "\n";
      return 1;
    }
    Compilation c(*opts);
    if (!runFrontEnd(c, std::cout))
      return 1;
    // Dumps of front-end stages only: nothing to run.
    bool backEndDump = false, anyDump = !opts->dumps.empty();
    for (const std::string &d : opts->dumps)
      backEndDump |= d == "ir" || d == "bpf";
    if (anyDump && !backEndDump)
      return 0;
    if (opts->command == Command::Record)
      return runRecord(c, std::cout);
    return runBackEnd(c, std::cout);
  }
  }
  return 1;
}
