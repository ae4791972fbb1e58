//===- histogram.cpp - bucket labels and bars of hist() and lhist() -------===//
#include "runtime/output/histogram.h"

#include <algorithm>
#include <iterator>

namespace obs::output {

static const char *const kSuffixes[] = {"", "K", "M", "G", "T", "P", "E"};

std::string humanBound(uint64_t v, bool twoTo64) {
  if (twoTo64)
    return "16E";
  unsigned s = 0;
  while (v != 0 && v % 1024 == 0 && s + 1 < std::size(kSuffixes)) {
    v /= 1024;
    ++s;
  }
  return std::to_string(v) + kSuffixes[s];
}

std::string humanBound(int64_t v) {
  if (v >= 0)
    return humanBound(static_cast<uint64_t>(v));
  return "-" + humanBound(0 - static_cast<uint64_t>(v));
}

/// The range of buckets to print: first to last non-empty, or none.
static bool nonEmptyRange(const std::vector<uint64_t> &b, size_t &first,
                          size_t &last) {
  size_t i = 0;
  while (i < b.size() && b[i] == 0)
    ++i;
  if (i == b.size())
    return false;
  size_t j = b.size() - 1;
  while (b[j] == 0)
    --j;
  first = i;
  last = j;
  return true;
}

std::vector<HistRow> log2Rows(const std::vector<uint64_t> &buckets) {
  std::vector<HistRow> rows;
  size_t first, last;
  if (!nonEmptyRange(buckets, first, last))
    return rows;
  for (size_t i = first; i <= last; ++i) {
    HistRow r;
    r.count = buckets[i];
    if (i == 0) {
      r.label = "(..., 0)";
      r.maxNegative = true;
      r.maxSigned = -1;
    } else if (i == 1) {
      r.label = "[0]";
      r.min = 0;
      r.max = 0;
    } else if (i == 2) {
      r.label = "[1]";
      r.min = 1;
      r.max = 1;
    } else {
      unsigned lowBit = static_cast<unsigned>(i - 2); // lower bound 2^lowBit
      uint64_t lo = lowBit < 64 ? uint64_t(1) << lowBit : 0;
      bool hiWraps = lowBit + 1 >= 64;
      uint64_t hi = hiWraps ? 0 : uint64_t(1) << (lowBit + 1);
      r.label = "[" + humanBound(lo) + ", " + humanBound(hi, hiWraps) + ")";
      r.min = static_cast<int64_t>(lo);
      r.max = hi - 1; // wraps to UINT64_MAX for the top bucket
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<HistRow> linearRows(const std::vector<uint64_t> &buckets,
                                int64_t min, int64_t max, int64_t step) {
  std::vector<HistRow> rows;
  size_t first, last;
  if (!nonEmptyRange(buckets, first, last))
    return rows;
  if (step <= 0)
    step = 1;
  for (size_t i = first; i <= last; ++i) {
    HistRow r;
    r.count = buckets[i];
    if (i == 0) {
      r.label = "(..., " + humanBound(min) + ")";
      int64_t m = min - 1;
      if (m < 0) {
        r.maxNegative = true;
        r.maxSigned = m;
      } else {
        r.max = static_cast<uint64_t>(m);
      }
    } else if (i == buckets.size() - 1) {
      r.label = "[" + humanBound(max) + ", ...)";
      r.min = max;
    } else {
      int64_t lo = min + static_cast<int64_t>(i - 1) * step;
      int64_t hi = lo + step;
      r.label = "[" + humanBound(lo) + ", " + humanBound(hi) + ")";
      r.min = lo;
      if (hi - 1 < 0) {
        r.maxNegative = true;
        r.maxSigned = hi - 1;
      } else {
        r.max = static_cast<uint64_t>(hi - 1);
      }
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

static std::string padRight(const std::string &s, size_t w) {
  return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}
static std::string padLeft(const std::string &s, size_t w) {
  return s.size() >= w ? s : std::string(w - s.size(), ' ') + s;
}

std::string renderHistText(const std::vector<HistRow> &rows) {
  uint64_t top = 0;
  for (const HistRow &r : rows)
    top = std::max(top, r.count);
  std::string out;
  for (const HistRow &r : rows) {
    // Truncating, as bpftrace does: 2 of 3 is 34 columns, not 35.
    unsigned bar =
        top == 0
            ? 0
            : static_cast<unsigned>(static_cast<unsigned __int128>(r.count) *
                                    kHistBarWidth / top);
    out += padRight(r.label, 16);
    out += padLeft(std::to_string(r.count), 8);
    out += " |";
    out += std::string(bar, '@');
    out += std::string(kHistBarWidth - bar, ' ');
    out += "|\n";
  }
  return out;
}

uint64_t totalCount(const std::vector<uint64_t> &buckets) {
  uint64_t t = 0;
  for (uint64_t b : buckets)
    t += b;
  return t;
}

} // namespace obs::output
