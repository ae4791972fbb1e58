//===- alert_lowering.h - alert conditions compiled for the host ----------===//
//
// Each alert's condition becomes `i32 obs_alert_N(obs_alert_ctx *)`: the
// comparisons, && || !, and arithmetic on window values and constants
// (units already normalised by sema: rates per second, sizes in bytes,
// durations in ns, params folded). Window reads (`@m[$k]`, `r2(@m[$k])`,
// `predict(@m[$k], H)`) call obs_host_window_read with the map's engine id
// and the key bytes, built from the instance's key (key variables) and
// constants. A read with no value (an absent key of a slope map) makes
// every comparison using it false (spec §9.5).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"
#include "lang/sema/sema.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace llvm {
class Module;
}

namespace obs {

/// What the compiled condition reads and writes; the host fills it per
/// evaluation.
struct AlertCallCtx {
  void *reader = nullptr;         ///< the window reader (host_program.cpp)
  const uint8_t *key = nullptr;   ///< the instance's key bytes (primary map)
  double value = 0;               ///< out: left operand of the first comparison
  const void *exemplar = nullptr; ///< body: the obs_exemplar of the firing window
};

/// One argument a compiled alert body passes to obs_host_alert_emit.
struct AlertBodyArg {
  enum Kind : uint32_t { Int = 0, Uint = 1, Float = 2, String = 3 };
  int64_t bits = 0;      ///< the integer, the double's bits, or a char pointer
  uint32_t kind = Int;
  uint32_t quantity = 0; ///< Quantity::base | perSecond << 8, for %v
};

/// A summary() or printf() call of a compiled alert body, by call index.
struct AlertBodyCall {
  std::string format;
  bool summary = false;
};

enum class WindowRead : uint32_t { Value = 0, R2 = 1, Predict = 2 };

/// A key variable: which bytes of the primary map's key it is.
struct KeyVariable {
  std::string name; ///< "$ppid"
  contract::KeyField field;
  const Type *type = nullptr;
};

/// The facts about one alert the compiled condition and the body need.
struct AlertPlan {
  const Alert *alert = nullptr;
  const AlertInfo *info = nullptr;
  std::string primary;               ///< "@forks"
  std::vector<std::string> mapsRead; ///< distinct, primary first
  std::vector<KeyVariable> keyVars;  ///< in AlertInfo order
  /// `@m[$a, 1]`: constant parts of the primary map's key; instances whose
  /// key differs there are not this alert's (spec §10.2).
  std::vector<std::pair<uint32_t, std::vector<uint8_t>>> primaryConstants;
  const Expr *peakExpr = nullptr;    ///< left operand of the first comparison
  bool peakIsMin = false;
  std::string function;              ///< "obs_alert_N"
};

/// The user key layout (no slot index) of a windowed map, by name.
using MapKeyLayout = std::function<const contract::MapSpec *(const std::string &name)>;
/// The time engine's id of a windowed map, by name; -1 if none.
using MapEngineId = std::function<int(const std::string &name)>;

/// Finds the maps, key variables and peak operand of `alert`. False with
/// `error` when the alert uses something the host target cannot evaluate.
bool planAlert(const Alert &alert, const AlertInfo &info, const MapKeyLayout &layout,
               SemaContext &sema, AlertPlan &plan, std::string &error);

/// Emits plan.function into `m`. False with `error`.
bool lowerAlertCondition(llvm::Module &m, const AlertPlan &plan, SemaContext &sema,
                         const MapKeyLayout &layout, const MapEngineId &engineId,
                         std::string &error);

/// Emits `void NAME(AlertCallCtx *)` running the alert's body: scratch
/// variables, if/else, and summary()/printf() calls, whose arguments are
/// computed in the compiled code and handed to
/// `obs_host_alert_emit(ctx, call, const AlertBodyArg *, n)`. False with
/// `error` when the body uses something not lowered here (the caller then
/// evaluates the body over the AST instead); `m` is then unchanged.
bool lowerAlertBody(llvm::Module &m, const AlertPlan &plan, const std::string &name,
                    SemaContext &sema, const MapKeyLayout &layout, const MapEngineId &engineId,
                    std::vector<AlertBodyCall> &calls, std::string &error);

/// "@forks" for `forks`, `@forks`; "@" for the anonymous map.
inline std::string mapKeyName(const std::string &n) {
  return !n.empty() && n[0] == '@' ? n : "@" + n;
}

} // namespace obs
