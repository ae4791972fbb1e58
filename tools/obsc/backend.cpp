//===- backend.cpp - codegen and runtime stages of obsc -------------------===//
#include "tools/obsc/backend.h"

#include <iostream>

namespace obs {

int runBackEnd(Compilation &c, std::ostream &out) {
  std::cerr << "obsc: error: running programs is not available in this build\n";
  return 1;
}

} // namespace obs
