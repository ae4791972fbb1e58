//===- window_math.cpp - least squares and quantiles over merged partials
//--===//

#include "runtime/window/window_math.h"

#include <algorithm>
#include <cmath>

namespace obs::window {
namespace {

/// a*b - c*d exactly when it fits in 128 bits, else in long double.
long double crossDiff(i128 a, i128 b, i128 c, i128 d) {
  i128 p, q, r;
  if (!__builtin_mul_overflow(a, b, &p) && !__builtin_mul_overflow(c, d, &q) &&
      !__builtin_sub_overflow(p, q, &r))
    return static_cast<long double>(r);
  return static_cast<long double>(a) * static_cast<long double>(b) -
         static_cast<long double>(c) * static_cast<long double>(d);
}

} // namespace

LinearFit fitLine(const FitSums &s) {
  LinearFit f;
  if (s.n < 2)
    return f;
  i128 n = static_cast<i128>(s.n);
  long double sxx = crossDiff(n, s.stt, s.st, s.st);
  if (sxx <= 0)
    return f; // all events at one timestamp: no slope
  long double sxy = crossDiff(n, s.stv, s.st, s.sv);
  long double syy = crossDiff(n, s.svv, s.sv, s.sv);
  f.defined = true;
  long double slopePerUs = sxy / sxx;
  f.slope = static_cast<double>(slopePerUs * 1e6L);
  f.r2 = syy <= 0
             ? 1.0
             : static_cast<double>(std::min(1.0L, (sxy / sxx) * (sxy / syy)));
  f.meanT = static_cast<double>(static_cast<long double>(s.st) /
                                static_cast<long double>(s.n) / 1e6L);
  f.meanV = static_cast<double>(static_cast<long double>(s.sv) /
                                static_cast<long double>(s.n));
  return f;
}

QuantileBucket quantileMagBucket(uint32_t mi) {
  if (mi < 32)
    return {mi, 1};
  uint32_t k = 5 + (mi - 32) / 16, sub = (mi - 32) % 16;
  uint64_t width = uint64_t(1) << (k - OBS_QUANTILE_SUB_BITS);
  return {(uint64_t(1) << k) + sub * width, width};
}

int64_t quantileBucketValue(uint32_t index) {
  auto mid = [](uint32_t mi) -> uint64_t {
    QuantileBucket b = quantileMagBucket(mi);
    return b.low + b.width / 2;
  };
  if (index >= OBS_QUANTILE_MAG_BUCKETS) {
    uint64_t m = mid(index - OBS_QUANTILE_MAG_BUCKETS);
    return m > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(m);
  }
  uint64_t m = mid(OBS_QUANTILE_MAG_BUCKETS - index);
  return m >= uint64_t(1) << 63 ? INT64_MIN : -int64_t(m);
}

uint64_t quantileRank(double q, uint64_t n) {
  if (n == 0)
    return 0;
  // q·n computed in long double and nudged down by a relative 1e-12 so that
  // 0.99 × 100 is rank 99, not 100 from the binary rounding of 0.99.
  long double x = static_cast<long double>(q) * n;
  long double r = std::ceil(x - x * 1e-12L);
  uint64_t rank = r < 1 ? 1 : static_cast<uint64_t>(r);
  return std::min(rank, n);
}

int64_t quantileFromBuckets(const uint64_t *buckets, uint64_t n, double q,
                            int64_t min, int64_t max) {
  if (n == 0)
    return 0;
  if (q <= 0)
    return min;
  if (q >= 1)
    return max;
  uint64_t rank = quantileRank(q, n), seen = 0;
  for (uint32_t i = 0; i < OBS_QUANTILE_BUCKETS; ++i) {
    seen += buckets[i];
    if (seen >= rank)
      return std::clamp(quantileBucketValue(i), min, max);
  }
  return max;
}

} // namespace obs::window
