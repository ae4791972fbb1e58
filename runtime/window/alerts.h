//===- alerts.h - alert rules: one state machine per alert per key
//---------===//
//
// An alert is evaluated at window close, once per key of the map whose keys
// bind its key variables (plus every key still pending or firing, so an
// instance resolves when its key goes quiet):
//
//   inactive --true--> pending --held >= for--> firing --false--> resolved
//      ^                  |                       |  true: a repeat, counted
//      +-----false--------+                       v
//                                       inactive (cooldown until t + C)
//
// Held time is k x step for k consecutive true evaluations. The condition is
// a callback here; codegen will hand in JIT-compiled code of the same shape.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/window/window_types.h"

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace obs::window {

class TimeEngine;
class KeyTable;

/// What one evaluation of a condition found.
struct AlertEval {
  bool holds = false;
  double value = 0; ///< the left operand of the first comparison (for peak)
};

/// COND for one key. `primary` is the last closed window of the alert's
/// first map; other maps are read through engine.lastWindow(id).
using AlertCondition = std::function<AlertEval(
    const WindowResult &primary, KeyId key, const TimeEngine &engine)>;

struct AlertSpec {
  std::string name;        ///< "fork_storm"
  std::vector<MapId> maps; ///< maps read; maps[0] binds the keys
  uint64_t forNs = 0;
  uint64_t cooldownNs = 0;
  AlertCondition condition;
  bool peakIsMin = false; ///< `<`/`<=`: the peak is the minimum
};

enum class AlertState : uint8_t { Inactive, Pending, Firing };

/// One state change of one alert instance, as the printers need it.
struct AlertTransition {
  enum class Kind : uint8_t { Pending, Firing, Resolved };
  AlertId alert = 0;
  const AlertSpec *spec = nullptr;
  Kind kind = Kind::Firing;
  MapId keyMap = 0; ///< the map whose key ids `key` indexes
  KeyId key = 0;
  const uint8_t *keyBytes =
      nullptr; ///< keySize bytes, valid while the engine lives
  uint32_t keySize = 0;
  uint64_t atNs = 0; ///< the close time that changed the state, from the origin
  uint64_t windowStartNs = 0, windowEndNs = 0;
  double value = 0; ///< this evaluation's value
  // Firing and Resolved:
  uint64_t firedAtNs = 0;
  // Resolved: the episode's summary.
  uint64_t firedNs = 0; ///< how long it fired
  uint64_t repeats = 0; ///< true evaluations after the one that fired
  double peak = 0;
  double lastValue = 0;     ///< the last true evaluation's value
  bool stillFiring = false; ///< resolved by the end of the session
  LossCounts lost;          ///< loss in the window evaluated
  bool hasExemplar = false; ///< Firing: the exemplar of the key's window
  obs_exemplar exemplar{};

  bool degraded() const { return lost.total() != 0; }
};

using AlertSink = std::function<void(const AlertTransition &)>;

/// The instances of one alert.
class AlertRule {
public:
  AlertRule(AlertId id, AlertSpec spec, uint64_t stepNs)
      : id_(id), spec_(std::move(spec)), step_(stepNs) {}

  const AlertSpec &spec() const { return spec_; }
  uint64_t stepNs() const { return step_; }

  /// One evaluation at close time `atNs` over `primary`.
  void evaluate(uint64_t atNs, const WindowResult &primary,
                const KeyTable &keys, const TimeEngine &engine,
                const AlertSink &emit);

  /// End of the session: instances still firing resolve, marked.
  void finish(uint64_t atNs, const KeyTable &keys, const AlertSink &emit);

  AlertState state(KeyId key) const;
  /// No instance is pending, firing or cooling down.
  bool idle() const { return instances_.empty(); }

private:
  struct Instance {
    AlertState state = AlertState::Inactive;
    uint64_t held = 0;
    uint64_t firedAt = 0;
    uint64_t repeats = 0;
    double peak = 0, last = 0;
    uint64_t cooldownUntil = 0;
    bool everResolved = false;
  };
  AlertTransition base(AlertTransition::Kind kind, KeyId key, uint64_t atNs,
                       const KeyTable &keys) const;

  AlertId id_;
  AlertSpec spec_;
  uint64_t step_;
  std::unordered_map<KeyId, Instance> instances_;
  std::vector<KeyId> scratch_;
};

} // namespace obs::window
