//===- passes.h - the semantic passes, one function each ------------------===//
#pragma once

#include "lang/sema/sema.h"

namespace obs {

/// Loads `import`ed modules, applies their overrides, splices them in.
void resolveImports(SemaContext &ctx);
/// Collects `param` declarations and applies `--param` overrides.
void collectParams(SemaContext &ctx);
/// Checks attach points against the catalog and expands wildcards.
void resolveProbes(SemaContext &ctx);
/// Names and types of every probe: builtins, variables, maps, calls.
void checkProbes(SemaContext &ctx);
/// `over` / `every` clauses and window functions.
void checkWindows(SemaContext &ctx);
/// Alert conditions, key binding, durations, bodies.
void checkAlerts(SemaContext &ctx);

} // namespace obs
