//===- alert_test.cpp - alert lifecycle: for, cooldown, resolve, repeats
//---===//

#include "runtime/window/time_engine.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace obs::window;

namespace {

constexpr uint64_t kSec = 1000000000ULL;
constexpr uint64_t kMs = 1000000ULL;
using Kind = AlertTransition::Kind;

/// `@forks[ppid] = rate() over 1s; alert A when @forks[$ppid] > 50/s ...`
struct ForkStorm {
  TimeEngine engine;
  MapId forks;
  AlertId alert;
  std::vector<AlertTransition> out;
  std::vector<WindowResult> windows;

  ForkStorm(uint64_t forNs, uint64_t cooldownNs, bool exemplarThreshold = false,
            uint64_t overNs = kSec, uint64_t everyNs = 0) {
    WindowSpec s;
    s.name = "@forks";
    s.function = WindowFunction::Rate;
    s.overNs = overNs;
    s.everyNs = everyNs;
    s.keySize = 8;
    s.exemplars = true;
    if (exemplarThreshold) {
      s.hasExemplarThreshold = true;
      s.exemplarThreshold = 50; // 50/s × 1 s, handed to the kernel
    }
    forks = engine.addMap(s);
    AlertSpec a;
    a.name = "fork_storm";
    a.maps = {forks};
    a.forNs = forNs;
    a.cooldownNs = cooldownNs;
    a.condition = [](const WindowResult &w, KeyId k, const TimeEngine &) {
      const WindowEntry *e = w.find(k);
      double v = e ? e->value.number : 0; // an absent rate reads 0
      return AlertEval{v > 50, v};
    };
    alert = engine.addAlert(std::move(a));
    engine.onAlert([this](const AlertTransition &t) { out.push_back(t); });
    engine.onWindow([this](const WindowResult &w) { windows.push_back(w); });
  }

  /// `rate`/s events of key `ppid` in [from, to) seconds, evenly spaced.
  void phase(uint64_t ppid, double from, double to, uint64_t rate) {
    uint64_t t0 = uint64_t(from * kSec), t1 = uint64_t(to * kSec);
    for (uint64_t i = 0;; ++i) {
      uint64_t ts = t0 + i * kSec / rate;
      if (ts >= t1)
        break;
      obs_exemplar ex{};
      ex.ts = ts;
      ex.pid = uint32_t(ppid);
      ex.tid = uint32_t(ppid);
      ex.ppid = 1;
      std::strcpy(ex.comm, "bash");
      engine.observe(0, ts);
      engine.accumulate(forks, engine.key(forks, &ppid), ts, 0, &ex);
    }
  }
  uint64_t keyOf(const AlertTransition &t) {
    uint64_t k;
    std::memcpy(&k, t.keyBytes, 8);
    return k;
  }
};

} // namespace

// The example of spec §10.6: 5000 forks/s from 10 s to 20 s, then 10/s.
TEST(Alerts, ForThreeSecondsFiresOnTheThirdWindowAndResolvesWithSummary) {
  ForkStorm f(3 * kSec, 30 * kSec, /*exemplarThreshold=*/true);
  f.phase(1234, 0, 10, 10);
  f.phase(1234, 10, 20, 5000);
  f.phase(1234, 20, 30, 10);
  f.engine.finish(30 * kSec);

  ASSERT_EQ(f.out.size(), 3u);
  EXPECT_EQ(f.out[0].kind, Kind::Pending);
  EXPECT_EQ(f.out[0].atNs, 11 * kSec);
  const AlertTransition &fire = f.out[1];
  EXPECT_EQ(fire.kind, Kind::Firing);
  EXPECT_EQ(fire.atNs, 13 * kSec); // the third consecutive true window
  EXPECT_EQ(fire.windowStartNs, 12 * kSec);
  EXPECT_EQ(f.keyOf(fire), 1234u);
  EXPECT_EQ(fire.value, 5000.0);
  EXPECT_FALSE(fire.degraded());
  // The exemplar is the event at which [12 s, 13 s) crossed 50 events:
  // the 51st, at 12 s + 50 × 200 us = 12.010 s.
  ASSERT_TRUE(fire.hasExemplar);
  EXPECT_EQ(fire.exemplar.ts, 12010 * kMs);
  EXPECT_STREQ(fire.exemplar.comm, "bash");
  EXPECT_EQ(fire.exemplar.pid, 1234u);

  const AlertTransition &res = f.out[2];
  EXPECT_EQ(res.kind, Kind::Resolved);
  EXPECT_EQ(res.atNs, 21 * kSec);
  EXPECT_EQ(res.firedNs, 8 * kSec);
  EXPECT_EQ(res.repeats, 7u); // windows closing at 14 .. 20 s
  EXPECT_EQ(res.peak, 5000.0);
  EXPECT_EQ(res.lastValue, 5000.0);
  EXPECT_FALSE(res.stillFiring);
}

TEST(Alerts, LatestExemplarWithoutThreshold) {
  ForkStorm f(0, 0);
  f.phase(7, 0, 1, 100);
  f.engine.advanceIdle(kSec);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].kind, Kind::Firing);
  EXPECT_EQ(f.out[0].exemplar.ts, 990 * kMs); // the last event of the window
}

TEST(Alerts, WithoutForFiresAtOnce) {
  ForkStorm f(0, 0);
  f.phase(1, 0, 2, 100);
  f.engine.advanceIdle(3 * kSec);
  ASSERT_EQ(f.out.size(), 2u);
  EXPECT_EQ(f.out[0].kind, Kind::Firing);
  EXPECT_EQ(f.out[0].atNs, 1 * kSec);
  EXPECT_EQ(f.out[1].kind, Kind::Resolved); // the key went quiet in [2,3)
  EXPECT_EQ(f.out[1].atNs, 3 * kSec);
  EXPECT_EQ(f.out[1].repeats, 1u);
  EXPECT_EQ(f.out[1].firedNs, 2 * kSec);
}

TEST(Alerts, PendingFallsBackSilently) {
  ForkStorm f(3 * kSec, 0);
  f.phase(1, 0, 2, 100); // two true windows, then quiet
  f.phase(1, 2, 4, 10);
  f.engine.advanceIdle(4 * kSec);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.out[0].kind, Kind::Pending);
  EXPECT_EQ(f.engine.alert(f.alert).state(0), AlertState::Inactive);
  // Held time restarts: three more true windows are needed.
  f.phase(1, 4, 6, 100);
  f.engine.advanceIdle(6 * kSec);
  EXPECT_EQ(f.out.size(), 2u); // pending again, not firing
  f.phase(1, 6, 7, 100);
  f.engine.advanceIdle(7 * kSec);
  ASSERT_EQ(f.out.size(), 3u);
  EXPECT_EQ(f.out[2].kind, Kind::Firing);
  EXPECT_EQ(f.out[2].atNs, 7 * kSec);
}

TEST(Alerts, CooldownDelaysRefiringUntilItEnds) {
  // Fire at 1 s, resolve at 3 s (cooldown until 8 s); true again from 4 s:
  // pending meanwhile, fires at the first true evaluation at or after 8 s.
  ForkStorm f(0, 5 * kSec);
  f.phase(1, 0, 2, 100);
  f.phase(1, 2, 3, 1);
  f.phase(1, 3, 12, 100);
  f.engine.advanceIdle(12 * kSec);
  ASSERT_EQ(f.out.size(), 4u);
  EXPECT_EQ(f.out[0].kind, Kind::Firing);
  EXPECT_EQ(f.out[0].atNs, 1 * kSec);
  EXPECT_EQ(f.out[1].kind, Kind::Resolved);
  EXPECT_EQ(f.out[1].atNs, 3 * kSec);
  EXPECT_EQ(f.out[2].kind, Kind::Pending);
  EXPECT_EQ(f.out[2].atNs, 4 * kSec);
  EXPECT_EQ(f.out[3].kind, Kind::Firing);
  EXPECT_EQ(f.out[3].atNs, 8 * kSec);
}

TEST(Alerts, RepeatsAreSummarisedNotRepeated) {
  ForkStorm f(0, 0);
  f.phase(9, 0, 5, 60);
  f.phase(9, 5, 6, 80);
  f.phase(9, 6, 10, 70);
  f.engine.finish(10 * kSec);
  ASSERT_EQ(f.out.size(), 2u);
  EXPECT_EQ(f.out[0].kind, Kind::Firing);
  EXPECT_EQ(f.out[1].kind, Kind::Resolved);
  EXPECT_TRUE(f.out[1].stillFiring); // still true at the end of the session
  EXPECT_EQ(f.out[1].repeats, 9u);
  EXPECT_EQ(f.out[1].peak, 80.0);
  EXPECT_EQ(f.out[1].lastValue, 70.0);
  EXPECT_EQ(f.out[1].firedNs, 9 * kSec);
}

TEST(Alerts, OneInstancePerKey) {
  ForkStorm f(0, 0);
  f.phase(1, 0, 1, 100);
  f.phase(2, 0, 1, 10);
  f.phase(3, 0, 1, 51);
  f.engine.advanceIdle(kSec);
  ASSERT_EQ(f.out.size(), 2u);
  EXPECT_EQ(f.keyOf(f.out[0]), 1u);
  EXPECT_EQ(f.keyOf(f.out[1]), 3u);
}

TEST(Alerts, LossMakesTheAlertDegraded) {
  ForkStorm f(0, 0);
  f.phase(1, 0, 1, 100);
  f.engine.recordLoss(LossKind::Ringbuf, 500 * kMs, 4);
  f.engine.advanceIdle(kSec);
  ASSERT_EQ(f.out.size(), 1u);
  EXPECT_TRUE(f.out[0].degraded());
  EXPECT_EQ(f.out[0].lost.ringbuf, 4u);
}

TEST(Alerts, HoppingStepIsEvery) {
  // over 2s every 1s, for 2s: held is counted in steps of 1 s.
  ForkStorm f(2 * kSec, 0, false, 2 * kSec, kSec);
  f.phase(1, 0, 10, 100); // rate 100/s in every window
  f.engine.advanceIdle(4 * kSec);
  // Windows close at 2, 3, 4: pending at 2, firing at 3.
  ASSERT_EQ(f.out.size(), 2u);
  EXPECT_EQ(f.out[1].kind, Kind::Firing);
  EXPECT_EQ(f.out[1].atNs, 3 * kSec);
}

TEST(Alerts, NotEvaluatedOnPartialWindows) {
  ForkStorm f(0, 0);
  f.phase(1, 0, 0.5, 1000);
  f.engine.finish(500 * kMs);
  EXPECT_TRUE(f.out.empty());
  ASSERT_EQ(f.windows.size(), 1u);
  EXPECT_TRUE(f.windows[0].partial);
}

TEST(Alerts, UnkeyedAlertAndSecondMap) {
  // @n = count() over 1s; @m = max(x) over 2s;
  // alert when @n > 3 && @m > 10: both maps' last windows, evaluated once per
  // close time.
  TimeEngine e;
  WindowSpec n;
  n.name = "@n";
  n.function = WindowFunction::Count;
  n.overNs = kSec;
  WindowSpec m;
  m.name = "@m";
  m.function = WindowFunction::Max;
  m.overNs = 2 * kSec;
  MapId nid = e.addMap(n), mid = e.addMap(m);
  int evaluations = 0;
  AlertSpec a;
  a.name = "both";
  a.maps = {nid, mid};
  a.condition = [&](const WindowResult &w, KeyId k, const TimeEngine &eng) {
    ++evaluations;
    const WindowEntry *c = w.find(k);
    const WindowEntry *x = eng.lastWindow(mid).find(0);
    double v = c ? c->value.number : 0;
    return AlertEval{v > 3 && x && x->value.number > 10, v};
  };
  e.addAlert(a);
  std::vector<AlertTransition> out;
  e.onAlert([&](const AlertTransition &t) { out.push_back(t); });
  for (int i = 0; i < 40; ++i) {
    uint64_t ts = uint64_t(i) * 100 * kMs;
    e.observe(0, ts);
    e.accumulate(nid, e.key(nid, nullptr), ts, 0);
    e.accumulate(mid, e.key(mid, nullptr), ts, i);
  }
  e.advanceIdle(4 * kSec);
  EXPECT_EQ(evaluations,
            4); // at 1, 2, 3, 4 s; once at 2 and 4 though both close
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::Firing);
  EXPECT_EQ(out[0].atNs, 2 * kSec); // @m's first window closes at 2 s (max 19)
  EXPECT_EQ(out[0].keyBytes, nullptr);
}

TEST(Alerts, KernelExemplarsPreferTheEarliestCrossing) {
  ForkStorm f(0, 0);
  obs_win_scalar p0{}, p1{};
  p0.h.seq = p1.h.seq = 1;
  for (int i = 0; i < 60; ++i)
    obs_win_scalar_add(&p0, 0);
  for (int i = 0; i < 60; ++i)
    obs_win_scalar_add(&p1, 0);
  obs_exemplar late{}, crossA{}, crossB{};
  late.ts = 900;
  crossA.ts = 500, crossA.crossed = 1, crossA.pid = 1;
  crossB.ts = 400, crossB.crossed = 1, crossB.pid = 2;
  uint64_t key = 5;
  KeyId k = f.engine.key(f.forks, &key);
  f.engine.map(f.forks).mergeKernelPartial(k, &p0, &crossA);
  f.engine.map(f.forks).mergeKernelPartial(k, &p1, &late);
  f.engine.map(f.forks).mergeKernelPartial(k, &p1, &crossB);
  f.engine.advanceIdle(kSec);
  ASSERT_EQ(f.out.size(), 1u);
  ASSERT_TRUE(f.out[0].hasExemplar);
  EXPECT_EQ(f.out[0].exemplar.pid, 2u);
  EXPECT_EQ(f.out[0].exemplar.ts, 400u);
}
