//===- pipeline.h - the ordered pass list of obsc -------------------------===//
//
// One Compilation holds every structure of one run; the passes of
// frontEndPasses() fill it in order. The back end (BPF lowering, loading,
// running) consumes the checked result.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/grammar/ast.h"
#include "lang/sema/sema.h"
#include "lang/sema/types.h"
#include "lang/support/diagnostics.h"
#include "tools/obsc/options.h"

#include <memory>
#include <ostream>

namespace obs {

class ProbeCatalog;

struct Compilation {
  explicit Compilation(const Options &o);
  ~Compilation();

  const Options &options;
  SourceManager sources;
  Diagnostics diags;
  ASTContext ast;
  TypeTable types;
  SemaOptions semaOptions;
  std::unique_ptr<ProbeCatalog> catalog;
  std::unique_ptr<SemaContext> sema;
  uint32_t mainFile = 0;
};

/// Reads the program, parses, checks: the whole front end, with the
/// --dump=tokens|ast|types output written to `out` as each stage completes.
/// Returns false when any error was reported (already rendered to stderr).
bool runFrontEnd(Compilation &c, std::ostream &out);

} // namespace obs
