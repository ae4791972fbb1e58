//===- grammar_driver.cpp - obs-parse-test, a driver for the grammar stage
//-===//
//
// Tests lang/grammar without obsc. Accepts the same words obsc will:
//   obs-parse-test [check] [--dump=tokens|ast] (FILE | -e PROG)
// Diagnostics go to stderr; the exit status is 1 when there were errors.
//
//===----------------------------------------------------------------------===//
#include "lang/grammar/parser.h"

#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace obs;

static int usage() {
  std::cerr << "usage: obs-parse-test [check] [--dump=tokens|ast] "
               "(FILE | -e PROG)\n";
  return 2;
}

int main(int argc, char **argv) {
  std::string dump, file, prog;
  bool haveProg = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "check")
      continue;
    if (a.rfind("--dump=", 0) == 0)
      dump = a.substr(7);
    else if (a == "-e" && i + 1 < argc)
      prog = argv[++i], haveProg = true;
    else if (!a.empty() && a[0] != '-' && file.empty())
      file = a;
    else
      return usage();
  }
  if (haveProg == !file.empty() ||
      (!dump.empty() && dump != "tokens" && dump != "ast"))
    return usage();

  SourceManager sm;
  uint32_t id;
  if (haveProg) {
    id = sm.add("-e", prog);
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "error: cannot open '" << file << "'\n";
      return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    id = sm.add(file, ss.str());
  }

  Diagnostics diags;
  if (dump == "tokens") {
    dumpTokens(std::cout, sm, id, diags);
  } else {
    ASTContext ctx;
    parseSource(ctx, sm, id, diags, ctx.program);
    if (dump == "ast")
      dumpAST(std::cout, sm, ctx.program);
  }
  diags.print(std::cerr, sm);
  return diags.hasErrors() ? 1 : 0;
}
