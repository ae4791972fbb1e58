//===- window_test.cpp - the time engine: window functions and closing ----===//

#include "runtime/window/time_engine.h"
#include "runtime/window/window_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace obs::window;

namespace {

constexpr uint64_t kSec = 1000000000ULL;
constexpr uint64_t kMs = 1000000ULL;

WindowSpec spec(WindowFunction f, uint64_t over, uint64_t every = 0,
                uint32_t keySize = 8) {
  WindowSpec s;
  s.name = "@m";
  s.function = f;
  s.overNs = over;
  s.everyNs = every;
  s.keySize = keySize;
  return s;
}

/// An engine over one map that records every closed window.
struct Harness {
  TimeEngine engine;
  MapId map;
  std::vector<WindowResult> windows;

  explicit Harness(WindowSpec s, uint32_t cpus = 1, uint64_t origin = 0)
      : engine(TimeEngine::Options{cpus, origin}) {
    map = engine.addMap(std::move(s));
    engine.onWindow([this](const WindowResult &r) { windows.push_back(r); });
  }
  KeyId key(uint64_t k) { return engine.key(map, &k); }
  bool event(uint64_t ts, uint64_t k, int64_t v, uint32_t cpu = 0) {
    engine.observe(cpu, ts);
    return engine.accumulate(map, key(k), ts, v);
  }
  const WindowEntry *entry(size_t w, uint64_t k) {
    KeyId id = engine.map(map).keys().find(&k);
    return windows.at(w).find(id);
  }
};

} // namespace

//===-- Window functions: exact values ------------------------------------===//

TEST(WindowFunctions, RateIsExact) {
  // 5000 events evenly spaced in [10s, 11s): rate() = 5000/s exactly.
  Harness h(spec(WindowFunction::Rate, kSec));
  for (uint64_t i = 0; i < 5000; ++i)
    h.event(10 * kSec + i * 200000, 1, 0);
  h.engine.advanceIdle(11 * kSec);
  ASSERT_EQ(h.windows.size(), 11u); // [0,1) .. [10,11); the first ten empty
  for (size_t i = 0; i < 10; ++i)
    EXPECT_TRUE(h.windows[i].entries.empty());
  const WindowEntry *e = h.entry(10, 1);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value.count, 5000u);
  EXPECT_EQ(e->value.number, 5000.0);
  EXPECT_EQ(h.windows[10].startNs, 10 * kSec);
  EXPECT_EQ(h.windows[10].endNs, 11 * kSec);
}

TEST(WindowFunctions, RateOverTwoSecondsAndRateOfSum) {
  // 7 events in a 2 s window: 3.5/s; rate(x) of values summing to 1001:
  // 500.5/s.
  Harness h(spec(WindowFunction::Rate, 2 * kSec));
  Harness hs(spec(WindowFunction::RateOf, 2 * kSec));
  int64_t vals[7] = {1, 10, 100, 200, 300, 190, 200};
  for (int i = 0; i < 7; ++i) {
    h.event(uint64_t(i) * 250 * kMs, 7, 0);
    hs.event(uint64_t(i) * 250 * kMs, 7, vals[i]);
  }
  h.engine.advanceIdle(2 * kSec);
  hs.engine.advanceIdle(2 * kSec);
  EXPECT_EQ(h.entry(0, 7)->value.number, 3.5);
  EXPECT_EQ(hs.entry(0, 7)->value.number, 500.5);
}

TEST(WindowFunctions, CountSumAvgMinMaxStats) {
  for (auto f :
       {WindowFunction::Count, WindowFunction::Sum, WindowFunction::Avg,
        WindowFunction::Min, WindowFunction::Max, WindowFunction::Stats}) {
    Harness h(spec(f, kSec));
    for (int64_t v : {5, -3, 12, 7})
      h.event(100 * kMs, 2, v);
    h.engine.advanceIdle(kSec);
    const WindowValue &v = h.entry(0, 2)->value;
    EXPECT_EQ(v.count, 4u);
    EXPECT_EQ(v.sum, 21);
    EXPECT_EQ(v.min, -3);
    EXPECT_EQ(v.max, 12);
    double want = f == WindowFunction::Count ? 4
                  : f == WindowFunction::Sum ? 21
                  : f == WindowFunction::Min ? -3
                  : f == WindowFunction::Max ? 12
                                             : 5.25;
    EXPECT_EQ(v.number, want) << functionName(f);
  }
}

TEST(WindowFunctions, HistAndLhistBuckets) {
  Harness h(spec(WindowFunction::Hist, kSec));
  WindowSpec ls = spec(WindowFunction::Lhist, kSec);
  ls.lhistMin = 0;
  ls.lhistMax = 100;
  ls.lhistStep = 10;
  Harness l(ls);
  for (int64_t v : {-1, 0, 1, 2, 3, 4, 1023, 1024, 55, 100, 250}) {
    h.event(0, 1, v);
    l.event(0, 1, v);
  }
  h.engine.advanceIdle(kSec);
  l.engine.advanceIdle(kSec);
  const WindowValue &hv = h.entry(0, 1)->value;
  ASSERT_EQ(hv.bucketCount, uint32_t(OBS_HIST_BUCKETS));
  const uint64_t *b = h.windows[0].bucketsOf(hv);
  EXPECT_EQ(b[0], 1u);  // < 0
  EXPECT_EQ(b[1], 1u);  // 0
  EXPECT_EQ(b[2], 1u);  // [1, 2)
  EXPECT_EQ(b[3], 2u);  // [2, 4)
  EXPECT_EQ(b[4], 1u);  // [4, 8)
  EXPECT_EQ(b[7], 1u);  // [32, 64): 55
  EXPECT_EQ(b[8], 1u);  // [64, 128): 100
  EXPECT_EQ(b[9], 1u);  // [128, 256): 250
  EXPECT_EQ(b[11], 1u); // [512, 1024): 1023
  EXPECT_EQ(b[12], 1u); // [1024, 2048)
  const WindowValue &lv = l.entry(0, 1)->value;
  ASSERT_EQ(lv.bucketCount, 12u);
  const uint64_t *lb = l.windows[0].bucketsOf(lv);
  EXPECT_EQ(lb[0], 1u);  // -1 < min
  EXPECT_EQ(lb[1], 5u);  // [0, 10): 0 1 2 3 4
  EXPECT_EQ(lb[6], 1u);  // [50, 60): 55
  EXPECT_EQ(lb[11], 4u); // >= 100: 100 250 1023 1024
}

// Hand computation. Events (t s, v): (1,2) (2,4) (3,5) (4,8) in [0s, 10s).
//   n = 4, Σt = 10, Σv = 19, Σtv = 2+8+15+32 = 57, Σt² = 30, Σv² = 109.
//   Sxx = nΣt² − (Σt)² = 120 − 100 = 20
//   Sxy = nΣtv − ΣtΣv  = 228 − 190 = 38     slope = 38/20 = 1.9 per second
//   Syy = nΣv² − (Σv)² = 436 − 361 = 75     r2 = 38²/(20·75) = 1444/1500
// Check by residuals: intercept = v̄ − slope·t̄ = 4.75 − 1.9·2.5 = 0; fitted
//   1.9 3.8 5.7 7.6; residuals .1 .2 −.7 .4; SS_res = .70;
//   SS_tot = Σ(v − 4.75)² = 18.75; 1 − .70/18.75 = 0.962666...
// predict(v, 5s): PromQL's predict_linear evaluated at the window end (10s)
//   is the fitted value at 10s plus slope·5s = 19 + 9.5 = 28.5.
TEST(WindowFunctions, SlopeR2PredictByHand) {
  for (auto f :
       {WindowFunction::Slope, WindowFunction::R2, WindowFunction::Predict}) {
    WindowSpec s = spec(f, 10 * kSec);
    s.predictNs = 5 * kSec;
    Harness h(s);
    h.event(1 * kSec, 9, 2);
    h.event(2 * kSec, 9, 4);
    h.event(3 * kSec, 9, 5);
    h.event(4 * kSec, 9, 8);
    h.engine.advanceIdle(10 * kSec);
    const WindowValue &v = h.entry(0, 9)->value;
    ASSERT_TRUE(v.defined);
    EXPECT_DOUBLE_EQ(v.fit.slope, 1.9);
    EXPECT_DOUBLE_EQ(v.fit.r2, 1444.0 / 1500.0);
    EXPECT_DOUBLE_EQ(v.fit.meanT, 2.5);
    EXPECT_DOUBLE_EQ(v.fit.meanV, 4.75);
    double want = f == WindowFunction::Slope ? 1.9
                  : f == WindowFunction::R2  ? 1444.0 / 1500.0
                                             : 28.5;
    EXPECT_NEAR(v.number, want, 1e-12) << functionName(f);
  }
}

// PromQL's predict_linear(v[W], H) at time T: the least-squares line through
// the samples with time taken relative to T, its intercept (value at T) plus
// slope·H. Computed here directly on the series, independently of the sums.
TEST(WindowFunctions, PredictMatchesPromQLDefinition) {
  std::vector<std::pair<double, double>> series; // (t seconds, v)
  WindowSpec s = spec(WindowFunction::Predict, 60 * kSec);
  s.predictNs = 30 * kSec;
  Harness h(s);
  uint64_t x = 12345;
  for (int i = 0; i < 200; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    uint64_t tsUs = 60000000 + uint64_t(i) * 290000 + (x >> 40) % 1000 * 1000;
    int64_t v = 1000000 + i * 3000 + int64_t((x >> 20) % 50000);
    h.event(tsUs * 1000, 1, v);
    series.push_back({double(tsUs) / 1e6, double(v)});
  }
  h.engine.advanceIdle(120 * kSec);
  double T = 120; // evaluation time: the end of window [60s, 120s)
  double n = double(series.size()), st = 0, sv = 0, stv = 0, stt = 0;
  for (auto [t, v] : series) {
    double d = t - T;
    st += d;
    sv += v;
    stv += d * v;
    stt += d * d;
  }
  double slope = (n * stv - st * sv) / (n * stt - st * st);
  double intercept = sv / n - slope * st / n;
  double promql = intercept + slope * 30;
  const WindowValue &v = h.entry(1, 1)->value;
  EXPECT_NEAR(v.number, promql, std::abs(promql) * 1e-9);
}

TEST(WindowFunctions, SlopeUndefinedForOnePointOrOneTimestamp) {
  Harness h(spec(WindowFunction::Slope, kSec));
  h.event(100 * kMs, 1, 5); // one event
  h.event(200 * kMs, 2, 5); // two at one timestamp
  h.event(200 * kMs, 2, 9);
  h.event(100 * kMs, 3, 7); // flat line: slope 0, r2 1
  h.event(900 * kMs, 3, 7);
  h.engine.advanceIdle(kSec);
  EXPECT_FALSE(h.entry(0, 1)->value.defined);
  EXPECT_FALSE(h.entry(0, 2)->value.defined);
  ASSERT_TRUE(h.entry(0, 3)->value.defined);
  EXPECT_EQ(h.entry(0, 3)->value.number, 0.0);
  EXPECT_EQ(h.entry(0, 3)->value.fit.r2, 1.0);
}

TEST(WindowFunctions, SlopeOfLargeValuesKeepsPrecision) {
  // rss-like: 100 GB growing 104857 B every 100 ms (1048570 B/s), sampled
  // 10/s over 10 minutes; the fit is exact, so r2 is 1 to double precision.
  Harness h(spec(WindowFunction::Slope, 600 * kSec));
  for (uint64_t i = 0; i < 6000; ++i) {
    uint64_t ts = i * 100 * kMs;
    h.event(ts, 1, int64_t(100) * (1LL << 30) + int64_t(i) * 104857);
  }
  h.engine.advanceIdle(600 * kSec);
  const WindowValue &v = h.entry(0, 1)->value;
  EXPECT_NEAR(v.number, 1048570.0, 1e-9 * 1048570.0);
  EXPECT_NEAR(v.fit.r2, 1.0, 1e-12);
}

TEST(WindowFunctions, FitSumsMergeWithShiftedOrigin) {
  // Sums over slot B (origin 2 s later) merged into slot A equal the sums of
  // all points taken from A's origin.
  FitSums a, b, all;
  a.add(100, 5);
  a.add(1500000, -7);
  b.add(3, 11);
  b.add(999999, 4);
  all.add(100, 5);
  all.add(1500000, -7);
  all.add(2000003, 11);
  all.add(2999999, 4);
  a.merge(b, 2000000);
  EXPECT_EQ(a.n, all.n);
  EXPECT_TRUE(a.st == all.st && a.sv == all.sv && a.stv == all.stv &&
              a.stt == all.stt && a.svv == all.svv);
}

TEST(WindowFunctions, KernelFixedPointMatchesHost) {
  // The BPF-safe 128-bit helpers of partials.h against native __int128.
  obs_win_fit p{};
  FitSums host;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    int64_t t = int64_t(rng() % 3600000000ULL);
    int64_t v = int64_t(rng()) >> (20 + rng() % 40); // |v| < 2^44: no overflow
    obs_win_fit_add(&p, t, v);
    host.add(t, v);
  }
  FitSums k = FitSums::fromKernel(p);
  EXPECT_EQ(k.n, host.n);
  EXPECT_TRUE(k.st == host.st);
  EXPECT_TRUE(k.sv == host.sv);
  EXPECT_TRUE(k.stv == host.stv);
  EXPECT_TRUE(k.stt == host.stt);
  EXPECT_TRUE(k.svv == host.svv);
}

//===-- Quantiles
//----------------------------------------------------------===//

TEST(Quantile, BucketsAscendAndBoundHoldsForEveryMagnitude) {
  // Magnitudes of 2^63 and above (buckets 960..975 of a side) exist only as
  // INT64_MIN; their values saturate, so check the ones below.
  const uint32_t top = 32 + 58 * 16;
  for (uint32_t i = OBS_QUANTILE_MAG_BUCKETS - top + 2;
       i < OBS_QUANTILE_MAG_BUCKETS + top; ++i)
    EXPECT_LT(quantileBucketValue(i - 1), quantileBucketValue(i)) << i;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200000; ++i) {
    int64_t v = int64_t(rng() >> (rng() % 64));
    if (i % 2)
      v = -v;
    int64_t est = quantileBucketValue(obs_quantile_bucket(v));
    long double err = std::fabs((long double)est - (long double)v);
    ASSERT_LE(err, std::fabs((long double)v) / 32) << v;
    if (v > -32 && v < 32)
      ASSERT_EQ(est, v);
  }
}

TEST(Quantile, NearestRankWithinBoundOnUniform) {
  // 1..10000 each once: the nearest-rank q-quantile is ⌈q·n⌉ itself.
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    WindowSpec s = spec(WindowFunction::Quantile, kSec);
    s.quantile = q;
    Harness h(s);
    for (int64_t v = 10000; v >= 1; --v)
      h.event(0, 1, v);
    h.engine.advanceIdle(kSec);
    double truth = std::ceil(q * 10000 - 1e-9);
    double est = h.entry(0, 1)->value.number;
    EXPECT_LE(std::fabs(est - truth), truth / 32) << q << " " << est;
  }
}

TEST(Quantile, ExponentialLatenciesWithinBound) {
  // A deterministic exponential distribution of latencies (mean 50 us in ns).
  std::mt19937_64 rng(42);
  std::exponential_distribution<double> exp(1.0 / 50000);
  std::vector<int64_t> vals(20000);
  for (auto &v : vals)
    v = int64_t(exp(rng)) + 1;
  std::vector<int64_t> sorted = vals;
  std::sort(sorted.begin(), sorted.end());
  for (double q : {0.5, 0.95, 0.99}) {
    WindowSpec s = spec(WindowFunction::Quantile, 5 * kSec);
    s.quantile = q;
    Harness h(s);
    for (size_t i = 0; i < vals.size(); ++i)
      h.event(i * 200 * 1000, 3, vals[i]);
    h.engine.advanceIdle(5 * kSec);
    double truth = double(sorted[quantileRank(q, sorted.size()) - 1]);
    double est = h.entry(0, 3)->value.number;
    EXPECT_LE(std::fabs(est - truth), truth / 32) << q;
  }
}

TEST(Quantile, ExtremesAndSmallValuesAreExact) {
  for (double q : {0.0, 0.5, 1.0}) {
    WindowSpec s = spec(WindowFunction::Quantile, kSec);
    s.quantile = q;
    Harness h(s);
    for (int64_t v = 1; v <= 20; ++v)
      h.event(0, 1, v);
    h.event(0, 1, 123457); // max
    h.engine.advanceIdle(kSec);
    double want = q == 0 ? 1 : q == 1 ? 123457 : 11; // rank ⌈.5·21⌉ = 11
    EXPECT_EQ(h.entry(0, 1)->value.number, want);
  }
  EXPECT_EQ(quantileRank(0.99, 100), 99u);
  EXPECT_EQ(quantileRank(0.0, 5), 1u);
}

//===-- Boundaries
//---------------------------------------------------------===//

TEST(Boundaries, TumblingEventAtBoundaryBelongsToLaterWindow) {
  Harness h(spec(WindowFunction::Count, kSec));
  h.event(kSec - 1, 1, 0);
  h.event(kSec, 2, 0);
  h.engine.advanceIdle(2 * kSec);
  ASSERT_EQ(h.windows.size(), 2u);
  EXPECT_TRUE(h.entry(0, 1));
  EXPECT_FALSE(h.entry(0, 2));
  EXPECT_TRUE(h.entry(1, 2));
  EXPECT_FALSE(h.entry(1, 1));
}

TEST(Boundaries, WindowClosesWhenWatermarkReachesItsEnd) {
  Harness h(spec(WindowFunction::Count, kSec));
  h.event(500 * kMs, 1, 0);
  h.engine.advanceIdle(kSec - 1);
  EXPECT_TRUE(h.windows.empty());
  h.engine.advanceIdle(kSec);
  EXPECT_EQ(h.windows.size(), 1u);
}

TEST(Boundaries, HoppingWindowsShareSlots) {
  // over 2s every 1s: windows [0,2) [1,3) [2,4); none starts before 0.
  Harness h(spec(WindowFunction::Count, 2 * kSec, kSec));
  h.event(500 * kMs, 1, 0);  // [0,2)
  h.event(kSec, 1, 0);       // [0,2) [1,3)
  h.event(2 * kSec, 1, 0);   // [1,3) [2,4): not [0,2)
  h.event(3500 * kMs, 1, 0); // [2,4) [3,5)
  h.engine.advanceIdle(4 * kSec);
  ASSERT_EQ(h.windows.size(), 3u);
  EXPECT_EQ(h.windows[0].startNs, 0u);
  EXPECT_EQ(h.windows[0].endNs, 2 * kSec);
  EXPECT_EQ(h.entry(0, 1)->value.count, 2u);
  EXPECT_EQ(h.entry(1, 1)->value.count, 2u);
  EXPECT_EQ(h.entry(2, 1)->value.count, 2u);
  EXPECT_EQ(h.windows[2].startNs, 2 * kSec);
}

TEST(Boundaries, HoppingSlopeMergesSlotsRelativeToWindowStart) {
  // over 4s every 2s. Window [2s,6s) holds (3s, 1) and (5s, 5): slope 2/s,
  // and predict(H=0) is the line at 6s: 1 + 2·(6 − 3) = 7.
  WindowSpec s = spec(WindowFunction::Predict, 4 * kSec, 2 * kSec);
  Harness h(s);
  h.event(1 * kSec, 1, 100); // only in [0,4)
  h.event(3 * kSec, 1, 1);
  h.event(5 * kSec, 1, 5);
  h.engine.advanceIdle(6 * kSec);
  ASSERT_EQ(h.windows.size(), 2u); // [0,4) and [2,6)
  const WindowValue &v = h.entry(1, 1)->value;
  EXPECT_DOUBLE_EQ(v.fit.slope, 2.0);
  EXPECT_DOUBLE_EQ(v.number, 7.0);
  // [0,4): (1, 100), (3, 1): slope −49.5/s
  EXPECT_DOUBLE_EQ(h.entry(0, 1)->value.fit.slope, -49.5);
}

TEST(Boundaries, OriginAlignsWindows) {
  // Kernel times are absolute; windows are aligned to the origin.
  Harness h(spec(WindowFunction::Count, kSec), 1, 777 * kMs);
  h.event(777 * kMs, 1, 0);
  h.event(1776 * kMs, 1, 0);
  h.event(1777 * kMs, 1, 0);
  h.engine.advanceIdle(2777 * kMs);
  ASSERT_EQ(h.windows.size(), 2u);
  EXPECT_EQ(h.entry(0, 1)->value.count, 2u);
  EXPECT_EQ(h.entry(1, 1)->value.count, 1u);
}

//===-- Watermark, late events, loss
//---------------------------------------===//

TEST(Watermark, IsTheLeastOverCpus) {
  Harness h(spec(WindowFunction::Count, kSec), 2);
  h.event(500 * kMs, 1, 0, 0);
  h.event(1500 * kMs, 1, 0, 0); // CPU 0 ahead
  EXPECT_EQ(h.engine.watermark(), 0u);
  EXPECT_TRUE(h.windows.empty());
  h.event(900 * kMs, 1, 0, 1); // CPU 1 behind: still in [0,1)
  EXPECT_TRUE(h.windows.empty());
  h.engine.observe(1, 1200 * kMs); // now both past 1 s
  ASSERT_EQ(h.windows.size(), 1u);
  EXPECT_EQ(h.entry(0, 1)->value.count, 2u);
  EXPECT_EQ(h.windows[0].lost.total(), 0u);
}

TEST(Watermark, LateEventsAreCountedNotDropped) {
  Harness h(spec(WindowFunction::Count, kSec), 2);
  h.event(500 * kMs, 1, 0, 0);
  h.event(1100 * kMs, 1, 0, 0);
  h.event(1100 * kMs, 1, 0, 1); // watermark 1.1 s: [0,1) closes
  ASSERT_EQ(h.windows.size(), 1u);
  EXPECT_FALSE(h.event(950 * kMs, 1, 0, 1)); // late for [0,1)
  EXPECT_FALSE(h.event(990 * kMs, 2, 0, 0));
  EXPECT_EQ(h.engine.map(h.map).lateTotal(), 2u);
  h.engine.advanceIdle(2 * kSec);
  ASSERT_EQ(h.windows.size(), 2u);
  // Reported in the next window to close, which is therefore degraded.
  EXPECT_EQ(h.windows[1].lost.late, 2u);
  EXPECT_TRUE(h.windows[1].degraded());
  EXPECT_EQ(h.entry(1, 1)->value.count, 2u);
}

TEST(Watermark, HoppingEventLateForSomeWindowsStillCountsInTheOthers) {
  Harness h(spec(WindowFunction::Count, 2 * kSec, kSec), 2);
  h.event(2100 * kMs, 1, 0, 0);
  h.event(2100 * kMs, 1, 0, 1); // [0,2) closes
  ASSERT_EQ(h.windows.size(), 1u);
  EXPECT_TRUE(h.event(1500 * kMs, 1, 0, 1)); // in [1,3) still open
  h.engine.advanceIdle(3 * kSec);
  EXPECT_EQ(h.entry(1, 1)->value.count, 3u);
  EXPECT_EQ(h.windows[1].lost.late, 1u);
}

TEST(Watermark, IdleTimerClosesWindows) {
  Harness h(spec(WindowFunction::Count, kSec), 4);
  h.event(100 * kMs, 1, 0, 2);
  EXPECT_TRUE(h.windows.empty());
  h.engine.advanceIdle(3 * kSec);
  EXPECT_EQ(h.windows.size(), 3u);
}

TEST(Loss, AttributedToTheWindowAndMarksItDegraded) {
  Harness h(spec(WindowFunction::Count, kSec));
  h.event(100 * kMs, 1, 0);
  h.engine.recordLoss(LossKind::Ringbuf, 300 * kMs, 3);
  h.engine.recordLoss(h.map, LossKind::MapFull, 400 * kMs, 2);
  h.engine.recordLoss(h.map, LossKind::Evicted, 1400 * kMs, 1);
  h.engine.advanceIdle(2 * kSec);
  ASSERT_EQ(h.windows.size(), 2u);
  EXPECT_EQ(h.windows[0].lost.ringbuf, 3u);
  EXPECT_EQ(h.windows[0].lost.mapFull, 2u);
  EXPECT_TRUE(h.windows[0].degraded());
  EXPECT_EQ(h.windows[1].lost.evicted, 1u);
  EXPECT_TRUE(h.windows[1].entries.empty());
}

TEST(Finish, OpenWindowsClosePartial) {
  Harness h(spec(WindowFunction::Count, kSec));
  h.event(100 * kMs, 1, 0);
  h.event(1100 * kMs, 1, 0);
  h.event(2500 * kMs, 1, 0);
  h.engine.finish(2600 * kMs);
  ASSERT_EQ(h.windows.size(), 3u);
  EXPECT_FALSE(h.windows[1].partial);
  EXPECT_TRUE(h.windows[2].partial);
  EXPECT_EQ(h.windows[2].startNs, 2 * kSec);
}

TEST(Keys, ManyKeysAndSlotReuse) {
  Harness h(spec(WindowFunction::Sum, kSec));
  for (uint64_t s = 0; s < 20; ++s)
    for (uint64_t k = 0; k < 500; ++k)
      h.event(s * kSec + k * kMs, (k * 7 + s) % 1000, int64_t(k));
  h.engine.advanceIdle(20 * kSec);
  ASSERT_EQ(h.windows.size(), 20u);
  for (auto &w : h.windows) {
    EXPECT_EQ(w.entries.size(), 500u);
    int64_t total = 0;
    for (auto &e : w.entries)
      total += e.value.sum;
    EXPECT_EQ(total, 499 * 500 / 2);
  }
}

TEST(Kernel, MergesPerCpuPartialsBySlot) {
  // Two CPUs' partials for slot 3 of a 1 s tumbling rate map.
  Harness h(spec(WindowFunction::Rate, kSec));
  obs_win_scalar a{}, b{};
  a.h.seq = b.h.seq = 4;
  for (int i = 0; i < 30; ++i)
    obs_win_scalar_add(&a, i);
  for (int i = 0; i < 12; ++i)
    obs_win_scalar_add(&b, 100 + i);
  KeyId k = h.key(5);
  h.engine.map(h.map).mergeKernelPartial(k, &a);
  h.engine.map(h.map).mergeKernelPartial(k, &b);
  h.engine.advanceIdle(4 * kSec);
  ASSERT_EQ(h.windows.size(), 4u);
  EXPECT_EQ(h.entry(3, 5)->value.number, 42.0);
  EXPECT_EQ(h.entry(3, 5)->value.max, 111);
}

TEST(Kernel, MergesFitPartialsIntoHoppingWindow) {
  // slope over 2s every 1s. CPU 0 saw (0.5 s, 10) in slot 0; CPU 1 saw
  // (1.5 s, 30) and CPU 0 (1.25 s, 20) in slot 1. t in µs from each slot's
  // start, as the kernel keeps it. Window [0, 2): points (0.5, 10), (1.25, 20),
  // (1.5, 30): n = 3, Σt = 3.25, Σv = 60, Σtv = 5 + 25 + 45 = 75,
  // Σt² = .25 + 1.5625 + 2.25 = 4.0625; Sxx = 12.1875 − 10.5625 = 1.625,
  // Sxy = 225 − 195 = 30, slope = 30 / 1.625 = 18.4615...
  Harness h(spec(WindowFunction::Slope, 2 * kSec, kSec));
  obs_win_fit s0{}, s1a{}, s1b{};
  s0.h.seq = 1;
  s1a.h.seq = s1b.h.seq = 2;
  obs_win_fit_add(&s0, 500000, 10);
  obs_win_fit_add(&s1a, 500000, 30);
  obs_win_fit_add(&s1b, 250000, 20);
  KeyId k = h.key(1);
  h.engine.map(h.map).mergeKernelPartial(k, &s0);
  h.engine.map(h.map).mergeKernelPartial(k, &s1a);
  h.engine.map(h.map).mergeKernelPartial(k, &s1b);
  h.engine.advanceIdle(2 * kSec);
  ASSERT_EQ(h.windows.size(), 1u);
  EXPECT_DOUBLE_EQ(h.entry(0, 1)->value.number, 30.0 / 1.625);
  EXPECT_EQ(h.entry(0, 1)->value.count, 3u);
}

TEST(Kernel, QuantilePartialsAndLateSlots) {
  WindowSpec s = spec(WindowFunction::Quantile, kSec);
  s.quantile = 0.5;
  Harness h(s);
  static obs_win_quantile q{};
  q.s.h.seq = 1;
  for (int64_t v : {100, 200, 300, 400, 500})
    obs_win_scalar_add(&q.s, v), q.buckets[obs_quantile_bucket(v)] += 1;
  KeyId k = h.key(3);
  h.engine.map(h.map).mergeKernelPartial(k, &q);
  h.engine.advanceIdle(kSec);
  ASSERT_EQ(h.windows.size(), 1u);
  // rank 3 is 300, in [288, 304): midpoint 296, within 300/32.
  EXPECT_EQ(h.entry(0, 3)->value.number, 296.0);
  // A CPU's partial for slot 0 read after [0,1) closed: its events are late.
  h.engine.map(h.map).mergeKernelPartial(k, &q);
  h.engine.advanceIdle(2 * kSec);
  EXPECT_EQ(h.windows[1].lost.late, 5u);
}

TEST(Reads, AbsentKeysAndUndefinedValues) {
  Harness r(spec(WindowFunction::Rate, kSec));
  Harness m(spec(WindowFunction::Max, kSec));
  WindowSpec ps = spec(WindowFunction::Slope, kSec);
  Harness sl(ps);
  r.event(0, 1, 0);
  m.event(0, 1, 4);
  sl.event(0, 1, 0);
  sl.event(500 * kMs, 1, 5);
  sl.event(0, 2, 0);
  for (Harness *h : {&r, &m, &sl})
    h->engine.advanceIdle(kSec);
  EXPECT_EQ(readWindowValue(r.windows[0], r.key(1)), 1.0);
  EXPECT_EQ(readWindowValue(r.windows[0], 99), 0.0); // absent rate reads 0
  EXPECT_EQ(readWindowValue(m.windows[0], 99), std::nullopt);
  EXPECT_EQ(readWindowValue(sl.windows[0], sl.key(1)), 10.0);
  EXPECT_EQ(readWindowValue(sl.windows[0], sl.key(2)),
            std::nullopt); // one event
  EXPECT_EQ(readWindowR2(sl.windows[0], sl.key(1)), 1.0);
  // The line through (0, 0) and (0.5 s, 5): 10/s; at 1 s + 2 s: 30.
  EXPECT_EQ(readWindowPredict(sl.windows[0], sl.key(1), 2 * kSec), 30.0);
}

TEST(Watermark, LongQuietGapsAreSkipped) {
  // A year of event time at 1 ms windows: closing 3·10^10 empty windows one
  // by one would take minutes; the engine skips the quiet stretch.
  Harness h(spec(WindowFunction::Count, kMs));
  h.event(0, 1, 0);
  uint64_t year = 365ULL * 86400 * kSec;
  h.event(year + 500 * 1000, 1, 0);
  h.engine.advanceIdle(year + kMs);
  ASSERT_GE(h.windows.size(), 2u);
  EXPECT_EQ(h.entry(0, 1)->value.count, 1u);
  EXPECT_EQ(h.windows.back().startNs, year);
  EXPECT_EQ(h.entry(h.windows.size() - 1, 1)->value.count, 1u);
}

TEST(Finish, HoppingWindowsStillOpenClosePartial) {
  // over 4s every 1s, an event every 500 ms until 5.5 s, end at 5.5 s:
  // [0,4) and [1,5) close normally; [2,6) [3,7) [4,8) [5,9) started before
  // the end and close partial.
  Harness h(spec(WindowFunction::Count, 4 * kSec, kSec));
  for (uint64_t t = 0; t <= 5500 * kMs; t += 500 * kMs)
    h.event(t, 1, 0);
  h.engine.finish(5500 * kMs);
  ASSERT_EQ(h.windows.size(), 6u);
  EXPECT_FALSE(h.windows[1].partial);
  EXPECT_EQ(h.entry(1, 1)->value.count, 8u); // [1,5): 1.0 .. 4.5
  for (size_t i = 2; i < 6; ++i) {
    EXPECT_TRUE(h.windows[i].partial);
    EXPECT_EQ(h.windows[i].startNs, (i)*kSec);
  }
  EXPECT_EQ(h.entry(2, 1)->value.count, 8u); // [2,6): 2.0 .. 5.5
  EXPECT_EQ(h.entry(5, 1)->value.count, 2u); // [5,9): 5.0, 5.5
}

TEST(Kernel, SlotDueHookReadsEachSlotOnceBeforeItsWindowCloses) {
  // Live shape: no per-event accumulate; the kernel's per-CPU partials of
  // slot j are read when the window it completes closes.
  Harness h(spec(WindowFunction::Count, 2 * kSec, kSec), 2);
  std::vector<uint64_t> due;
  h.engine.onSlotDue([&](MapId m, uint64_t slot) {
    due.push_back(slot);
    for (int cpu = 0; cpu < 2; ++cpu) {
      obs_win_scalar p{};
      p.h.seq = slot + 1;
      for (uint64_t i = 0; i <= slot; ++i) // slot j holds j + 1 events per CPU
        obs_win_scalar_add(&p, 0);
      h.engine.map(m).mergeKernelPartial(h.key(1), &p);
    }
  });
  h.engine.advanceIdle(4 * kSec);
  EXPECT_EQ(due, (std::vector<uint64_t>{0, 1, 2, 3}));
  ASSERT_EQ(h.windows.size(), 3u); // [0,2) [1,3) [2,4)
  EXPECT_EQ(h.entry(0, 1)->value.count, 2u + 4u);
  EXPECT_EQ(h.entry(1, 1)->value.count, 4u + 6u);
  EXPECT_EQ(h.entry(2, 1)->value.count, 6u + 8u);
}
