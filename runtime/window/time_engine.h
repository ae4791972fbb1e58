//===- time_engine.h - event time, the watermark, closing windows
//----------===//
//
// The user-space time engine: it owns the windowed maps and the alerts of a
// program, follows the watermark (the least, over CPUs, of the latest kernel
// timestamp drained from each), and when the watermark reaches a window
// boundary closes every map's window ending there, hands each closed window
// to the window sink, then evaluates the alerts that read those maps and
// hands their state changes to the alert sink. Same events, same windows,
// same alerts: nothing here reads a clock.
//
// Per event the caller does: observe(cpu, ts) once, then accumulate(...) for
// each windowed aggregation the probe body updates.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/window/alerts.h"
#include "runtime/window/windowed_map.h"

#include <functional>
#include <memory>
#include <vector>

namespace obs::window {

using WindowSink = std::function<void(const WindowResult &)>;
using SlotDueHook = std::function<void(MapId, uint64_t slot)>;

class TimeEngine {
public:
  struct Options {
    uint32_t cpus = 1;     ///< CPUs whose progress makes the watermark
    uint64_t originNs = 0; ///< kernel time of the session origin
  };
  TimeEngine() : TimeEngine(Options{}) {}
  explicit TimeEngine(Options o);

  MapId addMap(WindowSpec spec);
  AlertId addAlert(AlertSpec spec);
  void onWindow(WindowSink s) { windowSink_ = std::move(s); }
  void onAlert(AlertSink s) { alertSink_ = std::move(s); }
  /// Live: called just before a map's window closes, with the slot that
  /// completes it (number j: [origin + j*every, origin + (j+1)*every)), so
  /// the runtime reads that slot from every CPU of the kernel map and
  /// merges it (WindowedMap::mergeKernelPartial). Older slots of a hopping
  /// window were read at earlier closes. Reading a slot again later and
  /// finding a larger count means events arrived after it was read: the
  /// runtime counts the difference as late (recordLoss(map, Late, ...)).
  void onSlotDue(SlotDueHook h) { slotDue_ = std::move(h); }

  WindowedMap &map(MapId m) { return *maps_[m]; }
  const WindowedMap &map(MapId m) const { return *maps_[m]; }
  size_t mapCount() const { return maps_.size(); }
  const AlertRule &alert(AlertId a) const { return *alerts_[a]; }

  /// The dense id of a key (keySize bytes) of map m.
  KeyId key(MapId m, const void *bytes) {
    return maps_[m]->keys().intern(bytes);
  }

  /// One event's value for map m (kernel time ts); false if it was late.
  bool accumulate(MapId m, KeyId k, uint64_t ts, int64_t v,
                  const obs_exemplar *ex = nullptr) {
    return maps_[m]->accumulate(k, ts, v, ex);
  }

  /// An event (or a drained ring-buffer record) from `cpu` at kernel time
  /// ts. Closes the windows the new watermark passes.
  /// `cpu` must be below Options::cpus (larger ones count as the last).
  void observe(uint32_t cpu, uint64_t ts) {
    if (cpu >= marks_.size()) [[unlikely]]
      cpu = uint32_t(marks_.size() - 1);
    uint64_t &mark = marks_[cpu];
    if (ts <= mark)
      return;
    mark = ts;
    if (ts >= nextCloseAbs_) [[unlikely]]
      advanceTo(minMark());
  }

  /// The idle timer: every CPU has been drained up to nowNs.
  void advanceIdle(uint64_t nowNs);

  /// Loss at kernel time ts, for every map (ring buffer) or one map.
  void recordLoss(LossKind kind, uint64_t ts, uint64_t n);
  void recordLoss(MapId m, LossKind kind, uint64_t ts, uint64_t n) {
    maps_[m]->addLoss(kind, ts, n);
  }

  /// End of the session at kernel time endNs: windows ending by then close
  /// normally; windows still open close marked partial (no alerts); alerts
  /// still firing resolve marked still firing.
  void finish(uint64_t endNs);

  /// Least, over CPUs, of the latest time seen.
  uint64_t watermark() const { return minMark(); }
  uint64_t originNs() const { return origin_; }
  /// The last closed (non-partial) window of map m; empty before the first.
  const WindowResult &lastWindow(MapId m) const { return maps_[m]->last(); }

private:
  uint64_t minMark() const;
  bool quiet() const;
  void advanceTo(uint64_t wm);
  void updateNextClose();

  uint64_t origin_;
  std::vector<uint64_t> marks_;
  uint64_t nextCloseAbs_ = UINT64_MAX;
  uint64_t minStep_ = UINT64_MAX;
  std::vector<std::unique_ptr<WindowedMap>> maps_;
  std::vector<std::unique_ptr<AlertRule>> alerts_;
  std::vector<std::vector<AlertId>> alertsOfMap_;
  std::vector<uint8_t> closedNow_;
  std::vector<AlertId> toEvaluate_;
  WindowSink windowSink_;
  AlertSink alertSink_;
  SlotDueHook slotDue_;
  bool finished_ = false;
};

} // namespace obs::window
