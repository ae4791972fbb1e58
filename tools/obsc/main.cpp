//===- main.cpp - obsc, the obs compiler and tracer -----------------------===//
#include "tools/obsc/backend.h"
#include "tools/obsc/options.h"
#include "tools/obsc/pipeline.h"
#include "tools/obsc/test_command.h"

#include <iostream>

using namespace obs;

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
    Compilation c(*opts);
    if (!runFrontEnd(c, std::cout))
      return 1;
    // Dumps of front-end stages only: nothing to run.
    bool backEndDump = false, anyDump = !opts->dumps.empty();
    for (const std::string &d : opts->dumps)
      backEndDump |= d == "ir" || d == "bpf";
    if (anyDump && !backEndDump)
      return 0;
    return runBackEnd(c, std::cout);
  }
  }
  return 1;
}
