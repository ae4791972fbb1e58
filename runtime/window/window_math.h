//===- window_math.h - least squares and quantiles over merged partials
//----===//
//
// The arithmetic of the window functions, separate from the bookkeeping of
// slots and keys so that it can be checked against hand computations:
// 128-bit least-squares sums (merged across slots by shifting t), the fit
// they give (slope per second, r2, predict), and quantiles from log-linear
// buckets. See docs/windows.md for the precision and error bounds.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/window/partials.h"

#include <cstdint>

namespace obs::window {

using i128 = __int128;

inline i128 fromS128(const obs_s128 &v) {
  return static_cast<i128>(
      (static_cast<unsigned __int128>(static_cast<uint64_t>(v.hi)) << 64) |
      v.lo);
}

/// Least-squares sums with t in microseconds from an origin (a slot's or a
/// window's start).
struct FitSums {
  uint64_t n = 0;
  i128 st = 0, sv = 0, stv = 0, stt = 0, svv = 0;

  void add(int64_t tUs, int64_t v) {
    n += 1;
    st += tUs;
    sv += v;
    stv += static_cast<i128>(tUs) * v;
    stt += static_cast<i128>(tUs) * tUs;
    svv += static_cast<i128>(v) * v;
  }
  /// Adds sums whose t origin is `offsetUs` after this one's:
  /// t' = t + d gives Σt' = Σt + n d, Σt'v = Σtv + d Σv,
  /// Σt'² = Σt² + 2 d Σt + n d².
  void merge(const FitSums &o, int64_t offsetUs) {
    i128 d = offsetUs;
    n += o.n;
    st += o.st + d * static_cast<i128>(o.n);
    sv += o.sv;
    stv += o.stv + d * o.sv;
    stt += o.stt + 2 * d * o.st + d * d * static_cast<i128>(o.n);
    svv += o.svv;
  }
  static FitSums fromKernel(const obs_win_fit &p) {
    FitSums s;
    s.n = p.h.count;
    s.st = fromS128(p.st);
    s.sv = fromS128(p.sv);
    s.stv = fromS128(p.stv);
    s.stt = fromS128(p.stt);
    s.svv = fromS128(p.svv);
    return s;
  }
};

/// The ordinary least-squares line through (t, v), t in seconds from the
/// window start.
struct LinearFit {
  bool defined = false; ///< n >= 2 and the t are not all equal
  double slope = 0;     ///< v units per second
  double r2 = 0;        ///< 1 - SS_res/SS_tot; 1 when every v is equal
  double meanT = 0;     ///< seconds from the window start
  double meanV = 0;
  /// The line's value at `tSec` seconds after the window start.
  double at(double tSec) const { return meanV + slope * (tSec - meanT); }
};

/// The fit of the sums: Sxx = nΣt² − (Σt)², Sxy = nΣtv − ΣtΣv,
/// Syy = nΣv² − (Σv)², computed exactly in 128 bits (long double when a
/// product would overflow); slope = Sxy/Sxx, r2 = Sxy²/(Sxx·Syy).
LinearFit fitLine(const FitSums &s);

/// Lower bound and width of a log-linear magnitude bucket (partials.h).
struct QuantileBucket {
  uint64_t low = 0;
  uint64_t width = 1;
};
QuantileBucket quantileMagBucket(uint32_t magIndex);

/// The value a quantile bucket stands for: its midpoint `low + width/2`
/// (mirrored for negative buckets), an integer.
int64_t quantileBucketValue(uint32_t index);

/// The nearest-rank q-quantile estimate from OBS_QUANTILE_BUCKETS buckets
/// holding n values whose exact extremes are min and max.
int64_t quantileFromBuckets(const uint64_t *buckets, uint64_t n, double q,
                            int64_t min, int64_t max);

/// Rank of the nearest-rank quantile: max(1, ⌈q·n⌉).
uint64_t quantileRank(double q, uint64_t n);

} // namespace obs::window
