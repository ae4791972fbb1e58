//===- window_types.h - what the time engine is told and what it produces
//--===//
//
// A WindowSpec describes one windowed map (its function and window); a
// WindowResult is one closed window of it: every key present, each with the
// function's value and the merged partial it came from, plus the loss the
// window saw. Times in results are nanoseconds from the session origin.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/window/partials.h"
#include "runtime/window/window_math.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace obs::window {

/// Dense per-map index of a key, in order of first appearance.
using KeyId = uint32_t;
using MapId = uint32_t;
using AlertId = uint32_t;

enum class WindowFunction : uint8_t {
  Count,
  Sum,
  Avg,
  Min,
  Max,
  Stats,
  Hist,
  Lhist,
  Rate,   ///< rate(): events per second
  RateOf, ///< rate(x): sum of x per second
  Slope,
  R2,
  Predict,
  Quantile,
};
const char *functionName(WindowFunction f); ///< "rate", "slope", ...

/// One windowed map, as sema's MapInfo and the aggregation describe it.
struct WindowSpec {
  std::string name; ///< "@forks"
  WindowFunction function = WindowFunction::Count;
  uint64_t overNs = 1000000000; ///< window length
  uint64_t everyNs = 0;         ///< step; 0 means tumbling (= overNs)
  uint32_t keySize = 0;         ///< bytes of a key; 0 for a keyless map
  int64_t lhistMin = 0, lhistMax = 0, lhistStep = 1; ///< Lhist
  double quantile = 0.5;                             ///< Quantile: q
  uint64_t predictNs = 0;                            ///< Predict: horizon H
  bool exemplars = false; ///< keep an exemplar per key per slot
  /// When set, the exemplar of a slot is the event at which the slot's
  /// running count (Count, Rate), sum (Sum, RateOf) or max (Max) first
  /// exceeded this raw value, rather than the latest event (spec §10.5).
  bool hasExemplarThreshold = false;
  int64_t exemplarThreshold = 0;

  uint64_t step() const { return everyNs ? everyNs : overNs; }
  uint32_t slotsPerWindow() const { return uint32_t(overNs / step()); }
  bool needsFit() const;
  uint32_t bucketCount() const; ///< buckets per partial, 0 if none
};

/// Loss attributed to a window (spec §11).
struct LossCounts {
  uint64_t ringbuf = 0, mapFull = 0, evicted = 0, late = 0;
  uint64_t total() const { return ringbuf + mapFull + evicted + late; }
  LossCounts &operator+=(const LossCounts &o) {
    ringbuf += o.ringbuf;
    mapFull += o.mapFull;
    evicted += o.evicted;
    late += o.late;
    return *this;
  }
};
enum class LossKind : uint8_t { Ringbuf, MapFull, Evicted, Late };

/// One key's values in one closed window.
struct WindowValue {
  uint64_t count = 0;
  int64_t sum = 0, min = 0, max = 0;
  /// The map's function value (rate, slope, avg, ...). `defined` is false
  /// when the function has no value for this key (slope of fewer than two
  /// events, or of events that all share one timestamp).
  double number = 0;
  bool defined = true;
  LinearFit fit;             ///< slope, r2, predict maps
  uint32_t bucketOffset = 0; ///< into WindowResult::buckets
  uint32_t bucketCount = 0;
  bool hasExemplar = false;
  obs_exemplar exemplar{}; ///< ts relative to the kernel clock, as captured
};

struct WindowEntry {
  KeyId key = 0;
  WindowValue value;
};

struct WindowResult {
  MapId map = 0;
  const WindowSpec *spec = nullptr;
  uint64_t startNs = 0, endNs = 0; ///< [start, end), from the origin
  bool partial = false;            ///< closed by the end of the session
  LossCounts lost;
  std::vector<WindowEntry> entries; ///< sorted by key id
  std::vector<uint64_t> buckets;    ///< hist, lhist, quantile storage

  bool degraded() const { return lost.total() != 0; }
  /// The entry of a key, or nullptr when the key had no event.
  const WindowEntry *find(KeyId k) const;
  const uint64_t *bucketsOf(const WindowValue &v) const {
    return buckets.data() + v.bucketOffset;
  }
};

/// What reading `@m[key]` in an alert gives (spec §9.5): the function's
/// value; for a key absent from the window, 0 for count, sum and rate, and no
/// value for the others (a comparison with no value is false). No value
/// either when the function is undefined for the key (a slope of one event).
std::optional<double> readWindowValue(const WindowResult &w, KeyId key);

/// `r2(@m[key])` on a slope or predict map: the fit's r2, if any.
std::optional<double> readWindowR2(const WindowResult &w, KeyId key);

/// `predict(@m[key], H)` on a slope or predict map, with horizon H.
std::optional<double> readWindowPredict(const WindowResult &w, KeyId key,
                                        uint64_t horizonNs);

} // namespace obs::window
