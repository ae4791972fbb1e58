//===- pipeline.cpp - the ordered pass list of obsc -----------------------===//
//
//   1. load      the script (FILE or -e) into the SourceManager
//   2. lex       (--dump=tokens stops here)
//   3. parse     Program in the ASTContext arena (--dump=ast)
//   4. sema      semaPasses(), in lang/sema/passes.cpp: imports, params,
//                probes, names and types, units, windows, alerts
//                (--dump=types)
//   5. codegen   kernel half to BPF, host half to the ORC JIT (backend.cpp)
//   6. runtime   load, attach, drain, print (backend.cpp)
//
// The pipeline stops after the first stage that reported an error.
//
//===----------------------------------------------------------------------===//
#include "tools/obsc/pipeline.h"

#include "lang/grammar/parser.h"
#include "lang/sema/catalog/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace obs {

Compilation::Compilation(const Options &o) : options(o) {}
Compilation::~Compilation() = default;

namespace {

bool wants(const Options &o, const char *stage) {
  return std::find(o.dumps.begin(), o.dumps.end(), stage) != o.dumps.end();
}

bool load(Compilation &c) {
  const Options &o = c.options;
  if (!o.program.empty()) {
    c.mainFile = c.sources.add("<command line>", o.program);
    return true;
  }
  std::ifstream in(o.file, std::ios::binary);
  if (!in) {
    std::cerr << "obsc: error: cannot open '" << o.file << "'\n";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  c.mainFile = c.sources.add(o.file, ss.str());
  return true;
}

std::vector<std::string> moduleDirs(const Options &o) {
  std::vector<std::string> dirs;
  if (!o.file.empty()) {
    size_t slash = o.file.rfind('/');
    dirs.push_back(slash == std::string::npos ? "." : o.file.substr(0, slash));
  }
  if (const char *env = std::getenv("OBS_STDLIB"))
    dirs.push_back(env);
#ifdef OBS_STDLIB_DIR
  dirs.push_back(OBS_STDLIB_DIR);
#endif
  return dirs;
}

} // namespace

bool runFrontEnd(Compilation &c, std::ostream &out) {
  const Options &o = c.options;
  if (!load(c))
    return false;

  if (wants(o, "tokens")) {
    dumpTokens(out, c.sources, c.mainFile, c.diags);
    c.diags.print(std::cerr, c.sources);
    return !c.diags.hasErrors();
  }

  parseSource(c.ast, c.sources, c.mainFile, c.diags, c.ast.program);
  if (c.diags.hasErrors()) {
    c.diags.print(std::cerr, c.sources);
    return false;
  }
  if (wants(o, "ast")) {
    dumpAST(out, c.sources, c.ast.program);
    // A dump stops the pipeline after its stage unless a later one is asked.
    if (!wants(o, "types") && !wants(o, "ir") && !wants(o, "bpf"))
      return true;
  }

  c.semaOptions.unsafe = o.unsafe;
  c.semaOptions.positional = o.positional;
  c.semaOptions.params = o.params;
  c.semaOptions.moduleDirs = moduleDirs(o);
  c.semaOptions.pid = o.pid;
  CatalogOptions co;
  if (!o.btfPath.empty())
    co.btfPath = o.btfPath;
  co.tracefsDir = o.tracefsDir;
  if (!o.kallsymsPath.empty())
    co.kallsymsPath = o.kallsymsPath;
  c.catalog = std::make_unique<ProbeCatalog>(c.types, co);
  c.sema = std::make_unique<SemaContext>(SemaContext{
      c.ast, c.sources, c.diags, c.types, *c.catalog, c.semaOptions, {}, {}, {}, {}});
  bool ok = runSema(*c.sema);
  c.diags.print(std::cerr, c.sources);
  if (!ok)
    return false;
  if (wants(o, "types"))
    dumpTypes(out, *c.sema);
  return true;
}

} // namespace obs
