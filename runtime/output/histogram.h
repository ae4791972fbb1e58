//===- histogram.h - bucket labels and bars of hist() and lhist() ---------===//
//
// Both printers render histograms from the same list of rows: the buckets
// from the first non-empty one to the last, each with its bounds. The text
// printer turns a row into bpftrace's `[4, 8)     3 |@@@@   |` line, the
// JSON printer into `{"min": 4, "max": 7, "count": 3}`.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace obs::output {

/// One printed bucket. Bounds are inclusive and absent when open-ended:
/// hist's and lhist's first bucket has no `min`, lhist's last no `max`.
struct HistRow {
  std::string label;          ///< "[4, 8)", "[1K, 2K)", "(..., 0)", "[0]"
  std::optional<int64_t> min; ///< inclusive lower bound
  std::optional<uint64_t> max;
  bool maxNegative = false; ///< max is (int64)max, a negative bound
  int64_t maxSigned = 0;    ///< valid when maxNegative
  uint64_t count = 0;
};

/// Where the bar ends: bpftrace scales to the largest bucket, 52 columns.
inline constexpr unsigned kHistBarWidth = 52;

/// `1024` -> `1K`, `3145728` -> `3M`, `5000` -> `5000`: a suffix only when
/// the value is an exact multiple of a power of 1024, as bpftrace prints.
std::string humanBound(int64_t v);
/// The same for unsigned values up to 2^64 (`twoTo64` renders 2^64 as 16E).
std::string humanBound(uint64_t v, bool twoTo64 = false);

/// Rows of a log2 histogram (bucket layout in runtime/maps.h).
std::vector<HistRow> log2Rows(const std::vector<uint64_t> &buckets);
/// Rows of a linear histogram with the given min, max and step.
std::vector<HistRow> linearRows(const std::vector<uint64_t> &buckets,
                                int64_t min, int64_t max, int64_t step);

/// The text lines of a histogram, each ending in '\n'; empty when every
/// bucket is zero.
std::string renderHistText(const std::vector<HistRow> &rows);

/// Sum of all bucket counts: the order of keyed histograms in a dump.
uint64_t totalCount(const std::vector<uint64_t> &buckets);

} // namespace obs::output
