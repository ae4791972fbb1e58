//===- sema.h - the checked program and the semantic passes ---------------===//
//
// Sema turns a parsed Program into a checked one: every Expr has a type,
// every attach point its expansions, and the MapTable describes every map
// (keys, value, aggregation, window) for codegen and the runtime. The passes
// run in the order of semaPasses(); each reports into Diagnostics and the
// pipeline stops after a pass that reported an error.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/grammar/ast.h"
#include "lang/sema/types.h"
#include "lang/support/diagnostics.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace obs {

class ProbeCatalog;

struct SemaOptions {
  bool unsafe = false;
  std::vector<std::string> positional;           ///< $1, $2 ...
  std::map<std::string, std::string> params;     ///< --param name=value
  std::vector<std::string> moduleDirs;           ///< import search path
  int pid = 0;                                   ///< -p PID
};

/// A time window as written after `over`: tumbling when every == over.
struct Window {
  uint64_t overNs = 0;
  uint64_t everyNs = 0;
  bool present() const { return overNs != 0; }
};

/// Everything the later stages need to know about one map.
struct MapInfo {
  std::string name;                   ///< "@forks", "@" for the anonymous map
  std::vector<const Type *> keys;     ///< empty for a keyless map
  const Type *value = nullptr;        ///< Aggregation type, or a plain value type
  Window window;
  SourceRange firstUse;
  bool assigned = false;
  bool read = false;
};

/// Per-alert facts: the keys bound by scratch variables in its condition.
struct AlertInfo {
  std::string name;
  std::vector<std::string> keyVariables; ///< "$ppid"
  std::string map;                       ///< the windowed map the condition reads
  uint64_t forNs = 0, cooldownNs = 0;
  /// `@m[...] > C` (C - 1 for >=) in the condition, by map ("@m"): the
  /// threshold its exemplar is taken at (spec §10.5), in the map's unit.
  std::map<std::string, double> thresholds;
  /// The body uses `kstack` or `ustack` (the exemplar's stacks).
  bool usesStacks = false;
};

/// The count of events in one slot of `map` after which its exemplar is
/// frozen (the event that makes the count exceed it is the exemplar), when
/// an alert compares a count() or rate() of the map with a constant: the
/// constant, times the window in seconds for a rate. Otherwise none.
std::optional<int64_t> exemplarThreshold(const std::vector<AlertInfo> &alerts,
                                         const MapInfo &map);

/// Whether an alert reading `map` uses the exemplar's stacks in its body:
/// then every exemplar of the map captures them; otherwise only the one
/// taken at a threshold's crossing does (spec §10.5).
bool exemplarStacks(const std::vector<AlertInfo> &alerts, const MapInfo &map);

/// The shared state of the semantic passes.
struct SemaContext {
  ASTContext &ast;
  SourceManager &sources;
  Diagnostics &diags;
  TypeTable &types;
  ProbeCatalog &catalog;
  const SemaOptions &options;

  std::map<std::string, MapInfo> maps;
  std::vector<AlertInfo> alerts;
  /// Param values by qualified name: "threshold" in the main program,
  /// "forkbomb.threshold" in module forkbomb.
  std::map<std::string, const Expr *> params;
  /// The module each source file belongs to: "" for the main program.
  std::map<uint32_t, std::string> modules;

  /// The qualified name of param `name` as seen from source file `file`.
  std::string qualify(uint32_t file, const std::string &name) const {
    auto it = modules.find(file);
    return it == modules.end() || it->second.empty() ? name : it->second + "." + name;
  }
};

struct SemaPass {
  const char *name;
  std::function<void(SemaContext &)> run;
};

/// The ordered pass list of the front end after parsing.
const std::vector<SemaPass> &semaPasses();

/// Runs semaPasses() in order, stopping after the first pass with errors.
bool runSema(SemaContext &ctx);

/// `--dump=types`: every map, variable and expression type.
void dumpTypes(std::ostream &os, const SemaContext &ctx);

} // namespace obs
