//===- alerts.cpp - alert rules: one state machine per alert per key
//-------===//

#include "runtime/window/alerts.h"

#include "runtime/window/key_table.h"

#include <algorithm>

namespace obs::window {

AlertState AlertRule::state(KeyId key) const {
  auto it = instances_.find(key);
  return it == instances_.end() ? AlertState::Inactive : it->second.state;
}

AlertTransition AlertRule::base(AlertTransition::Kind kind, KeyId key,
                                uint64_t atNs, const KeyTable &keys) const {
  AlertTransition t;
  t.alert = id_;
  t.spec = &spec_;
  t.kind = kind;
  t.keyMap = spec_.maps.empty() ? 0 : spec_.maps[0];
  t.key = key;
  t.keySize = keys.keySize();
  t.keyBytes = keys.keySize() && key < keys.size() ? keys.bytes(key) : nullptr;
  t.atNs = atNs;
  return t;
}

void AlertRule::evaluate(uint64_t atNs, const WindowResult &primary,
                         const KeyTable &keys, const TimeEngine &engine,
                         const AlertSink &emit) {
  // The keys: those in the window, then those still pending or firing (in
  // key order, so output is deterministic).
  scratch_.clear();
  if (keys.keySize() == 0) {
    scratch_.push_back(0);
  } else {
    for (const WindowEntry &e : primary.entries)
      scratch_.push_back(e.key);
    size_t present = scratch_.size();
    for (auto it = instances_.begin(); it != instances_.end();) {
      if (it->second.state != AlertState::Inactive) {
        if (!primary.find(it->first))
          scratch_.push_back(it->first);
      } else if (atNs >= it->second.cooldownUntil) {
        it = instances_.erase(it); // cooldown over: nothing left to remember
        continue;
      }
      ++it;
    }
    std::sort(scratch_.begin() + present, scratch_.end());
  }

  for (KeyId key : scratch_) {
    AlertEval ev = spec_.condition(primary, key, engine);
    auto it = instances_.find(key);
    if (it == instances_.end()) {
      if (!ev.holds)
        continue;
      it = instances_.emplace(key, Instance{}).first;
    }
    Instance &in = it->second;
    auto fill = [&](AlertTransition &t) {
      t.windowStartNs = primary.startNs;
      t.windowEndNs = primary.endNs;
      t.value = ev.value;
      t.lost = primary.lost;
    };
    auto better = [&](double a, double b) {
      return spec_.peakIsMin ? a < b : a > b;
    };

    if (in.state == AlertState::Firing) {
      if (ev.holds) {
        in.repeats += 1;
        in.last = ev.value;
        if (better(ev.value, in.peak))
          in.peak = ev.value;
        continue;
      }
      AlertTransition t =
          base(AlertTransition::Kind::Resolved, key, atNs, keys);
      fill(t);
      t.firedAtNs = in.firedAt;
      t.firedNs = atNs - in.firedAt;
      t.repeats = in.repeats;
      t.peak = in.peak;
      t.lastValue = in.last;
      emit(t);
      in = Instance{};
      in.cooldownUntil = atNs + spec_.cooldownNs;
      in.everResolved = true;
      if (spec_.cooldownNs == 0)
        instances_.erase(it);
      continue;
    }

    if (!ev.holds) {
      // Pending falls back silently; an inactive instance is only kept
      // while its cooldown runs.
      in.state = AlertState::Inactive;
      in.held = 0;
      if (!in.everResolved || atNs >= in.cooldownUntil)
        instances_.erase(it);
      continue;
    }

    in.held += step_;
    bool cooled = !in.everResolved || atNs >= in.cooldownUntil;
    if (in.held >= spec_.forNs && cooled) {
      in.state = AlertState::Firing;
      in.firedAt = atNs;
      in.repeats = 0;
      in.peak = in.last = ev.value;
      AlertTransition t = base(AlertTransition::Kind::Firing, key, atNs, keys);
      fill(t);
      t.firedAtNs = atNs;
      t.peak = t.lastValue = ev.value;
      if (const WindowEntry *e = primary.find(key); e && e->value.hasExemplar) {
        t.hasExemplar = true;
        t.exemplar = e->value.exemplar;
      }
      emit(t);
      continue;
    }
    if (in.state == AlertState::Inactive) {
      in.state = AlertState::Pending;
      AlertTransition t = base(AlertTransition::Kind::Pending, key, atNs, keys);
      fill(t);
      emit(t);
    }
  }
}

void AlertRule::finish(uint64_t atNs, const KeyTable &keys,
                       const AlertSink &emit) {
  scratch_.clear();
  for (auto &[key, inst] : instances_)
    if (inst.state == AlertState::Firing)
      scratch_.push_back(key);
  std::sort(scratch_.begin(), scratch_.end());
  for (KeyId key : scratch_) {
    Instance &in = instances_[key];
    AlertTransition t = base(AlertTransition::Kind::Resolved, key, atNs, keys);
    t.firedAtNs = in.firedAt;
    t.firedNs = atNs - in.firedAt;
    t.repeats = in.repeats;
    t.peak = in.peak;
    t.lastValue = in.last;
    t.value = in.last;
    t.stillFiring = true;
    emit(t);
    in = Instance{};
  }
}

} // namespace obs::window
