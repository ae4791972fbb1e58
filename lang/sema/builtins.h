//===- builtins.h - descriptors of builtin variables and functions --------===//
//
// Each builtin is one record: its name, where it may be used and its type
// rule. A new function, aggregation or window function is one entry here
// (and its lowering in codegen), not edits in five places.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/sema/sema.h"

#include <string>
#include <vector>

namespace obs {

class ExprChecker;

/// A set of probe kinds, as a bit mask over ProbeKind.
using ProbeMask = uint32_t;
constexpr ProbeMask probeBit(ProbeKind k) { return 1u << static_cast<unsigned>(k); }
constexpr ProbeMask kAllProbes = ~0u;

/// A builtin variable such as `pid`, `comm` or `retval`.
struct BuiltinVariable {
  const char *name;
  ProbeMask probes;      ///< where it may be used
  bool inAlert;          ///< usable in alert bodies (from the exemplar)
  const char *help;      ///< one line, for messages and docs
};

enum class FunctionKind {
  Function,       ///< printf, str, ... : an expression or a statement
  Aggregation,    ///< count, sum, hist ... : only as `@m = f(...)`
  WindowFunction, ///< rate, slope, quantile ... : `@m = f(...) over W`
  MapOperation,   ///< print, clear, delete ... : take a map
};

/// The arguments of a call after their own types are known.
struct CallSite {
  SemaContext &ctx;
  Expr &call;
  Call &node;
  std::vector<const Type *> args;
  bool inAlert;
  ProbeMask probeKinds = 0; ///< the kinds of the probe being checked
};

struct FunctionDescriptor {
  const char *name;
  FunctionKind kind;
  unsigned minArgs, maxArgs;
  bool unsafe;
  /// Checks the arguments (reporting into ctx.diags) and returns the type of
  /// the result: the call's value, or for aggregations the map's value type.
  const Type *(*check)(CallSite &site);
};

const BuiltinVariable *findBuiltinVariable(const std::string &name);
const FunctionDescriptor *findFunction(const std::string &name);
std::vector<std::string> builtinVariableNames();
std::vector<std::string> functionNames();
/// `arg0` .. `arg15`: returns the index, or -1.
int argIndex(const std::string &name);
/// A short human name of a probe set, for "not available in X probes".
std::string describeProbeKinds(ProbeMask mask);

} // namespace obs
