//===- time_engine.cpp - event time, the watermark, closing windows
//--------===//

#include "runtime/window/time_engine.h"

#include <algorithm>

namespace obs::window {

TimeEngine::TimeEngine(Options o)
    : origin_(o.originNs), marks_(std::max<uint32_t>(o.cpus, 1), o.originNs) {}

MapId TimeEngine::addMap(WindowSpec spec) {
  MapId id = MapId(maps_.size());
  minStep_ = std::min(minStep_, spec.step());
  maps_.push_back(std::make_unique<WindowedMap>(id, std::move(spec), origin_));
  alertsOfMap_.emplace_back();
  closedNow_.push_back(0);
  updateNextClose();
  return id;
}

AlertId TimeEngine::addAlert(AlertSpec spec) {
  AlertId id = AlertId(alerts_.size());
  // An alert reads at least one windowed map (sema checks it); one that
  // reads none is never evaluated.
  uint64_t step = UINT64_MAX;
  for (MapId m : spec.maps) {
    step = std::min(step, maps_[m]->spec().step());
    alertsOfMap_[m].push_back(id);
  }
  if (step == UINT64_MAX)
    step = 0;
  alerts_.push_back(std::make_unique<AlertRule>(id, std::move(spec), step));
  return id;
}

uint64_t TimeEngine::minMark() const {
  uint64_t m = marks_[0];
  for (uint64_t x : marks_)
    m = std::min(m, x);
  return m;
}

void TimeEngine::updateNextClose() {
  uint64_t next = UINT64_MAX;
  if (!finished_)
    for (auto &m : maps_)
      next = std::min(next, m->nextCloseNs());
  nextCloseAbs_ = next == UINT64_MAX ? UINT64_MAX : origin_ + next;
}

bool TimeEngine::quiet() const {
  // Live, the kernel holds slots user space has not seen yet.
  if (slotDue_)
    return false;
  for (auto &m : maps_)
    if (!m->quiet())
      return false;
  for (auto &a : alerts_)
    if (!a->idle() || (!a->spec().maps.empty() &&
                       maps_[a->spec().maps[0]]->keys().keySize() == 0))
      return false;
  return true;
}

void TimeEngine::advanceTo(uint64_t wm) {
  // A jump over a long quiet stretch (an idle system, a gap in a recording)
  // would close every empty window in it one by one; when no slot holds
  // anything and no alert could change state on an empty window, skip them.
  while (nextCloseAbs_ <= wm) {
    if (wm - nextCloseAbs_ > 64 * minStep_ && quiet()) {
      for (auto &m : maps_)
        m->skipQuietTo(wm - origin_);
      updateNextClose();
      if (nextCloseAbs_ > wm)
        break;
    }
    uint64_t t = nextCloseAbs_ - origin_;
    toEvaluate_.clear();
    for (auto &mp : maps_) {
      WindowedMap &m = *mp;
      if (m.nextCloseNs() != t)
        continue;
      if (slotDue_)
        slotDue_(m.last().map, t / m.spec().step() - 1);
      if (!m.closeNext(m.last()))
        continue;
      if (windowSink_)
        windowSink_(m.last());
      for (AlertId a : alertsOfMap_[m.last().map])
        toEvaluate_.push_back(a);
    }
    // Each alert once per close time, after all its maps closing now merged.
    std::sort(toEvaluate_.begin(), toEvaluate_.end());
    toEvaluate_.erase(std::unique(toEvaluate_.begin(), toEvaluate_.end()),
                      toEvaluate_.end());
    for (AlertId a : toEvaluate_) {
      AlertRule &r = *alerts_[a];
      MapId primary = r.spec().maps[0];
      r.evaluate(t, maps_[primary]->last(), maps_[primary]->keys(), *this,
                 alertSink_ ? alertSink_
                            : AlertSink([](const AlertTransition &) {}));
    }
    updateNextClose();
  }
}

void TimeEngine::advanceIdle(uint64_t nowNs) {
  for (uint64_t &m : marks_)
    m = std::max(m, nowNs);
  advanceTo(minMark());
}

void TimeEngine::recordLoss(LossKind kind, uint64_t ts, uint64_t n) {
  for (auto &m : maps_)
    m->addLoss(kind, ts, n);
}

void TimeEngine::finish(uint64_t endNs) {
  if (finished_)
    return;
  advanceIdle(endNs);
  uint64_t end = endNs > origin_ ? endNs - origin_ : 0;
  std::vector<WindowResult> partial;
  for (auto &m : maps_) {
    partial.clear();
    m->closePartial(end, partial);
    if (windowSink_)
      for (const WindowResult &r : partial)
        windowSink_(r);
  }
  AlertSink sink =
      alertSink_ ? alertSink_ : AlertSink([](const AlertTransition &) {});
  for (auto &a : alerts_)
    if (!a->spec().maps.empty())
      a->finish(end, maps_[a->spec().maps[0]]->keys(), sink);
  finished_ = true;
  updateNextClose();
}

} // namespace obs::window
