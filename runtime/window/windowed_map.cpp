//===- windowed_map.cpp - slots of one windowed map, merged at close
//-------===//

#include "runtime/window/windowed_map.h"

#include <algorithm>
#include <cstring>

namespace obs::window {

const char *functionName(WindowFunction f) {
  switch (f) {
  case WindowFunction::Count: return "count";
  case WindowFunction::Sum: return "sum";
  case WindowFunction::Avg: return "avg";
  case WindowFunction::Min: return "min";
  case WindowFunction::Max: return "max";
  case WindowFunction::Stats: return "stats";
  case WindowFunction::Hist: return "hist";
  case WindowFunction::Lhist: return "lhist";
  case WindowFunction::Rate: return "rate";
  case WindowFunction::RateOf: return "rate";
  case WindowFunction::Slope: return "slope";
  case WindowFunction::R2: return "r2";
  case WindowFunction::Predict: return "predict";
  case WindowFunction::Quantile: return "quantile";
  }
  return "?";
}

bool WindowSpec::needsFit() const {
  return function == WindowFunction::Slope || function == WindowFunction::R2 ||
         function == WindowFunction::Predict;
}

uint32_t WindowSpec::bucketCount() const {
  switch (function) {
  case WindowFunction::Hist: return OBS_HIST_BUCKETS;
  case WindowFunction::Lhist:
    return uint32_t((lhistMax - lhistMin) / lhistStep) + 2;
  case WindowFunction::Quantile: return OBS_QUANTILE_BUCKETS;
  default: return 0;
  }
}

const WindowEntry *WindowResult::find(KeyId k) const {
  auto it =
      std::lower_bound(entries.begin(), entries.end(), k,
                       [](const WindowEntry &e, KeyId k) { return e.key < k; });
  return it != entries.end() && it->key == k ? &*it : nullptr;
}

std::optional<double> readWindowValue(const WindowResult &w, KeyId key) {
  if (const WindowEntry *e = w.find(key)) {
    if (!e->value.defined)
      return std::nullopt;
    return e->value.number;
  }
  if (!w.spec)
    return std::nullopt;
  switch (w.spec->function) {
  case WindowFunction::Count:
  case WindowFunction::Sum:
  case WindowFunction::Rate:
  case WindowFunction::RateOf: return 0.0;
  default: return std::nullopt;
  }
}

std::optional<double> readWindowR2(const WindowResult &w, KeyId key) {
  const WindowEntry *e = w.find(key);
  if (!e || !e->value.fit.defined)
    return std::nullopt;
  return e->value.fit.r2;
}

std::optional<double> readWindowPredict(const WindowResult &w, KeyId key,
                                        uint64_t horizonNs) {
  const WindowEntry *e = w.find(key);
  if (!e || !e->value.fit.defined || !w.spec)
    return std::nullopt;
  return e->value.fit.at(double(w.spec->overNs + horizonNs) / 1e9);
}

WindowedMap::WindowedMap(MapId id, WindowSpec spec, uint64_t originNs)
    : id_(id), spec_(std::move(spec)), origin_(originNs), step_(spec_.step()),
      k_(spec_.slotsPerWindow()), fit_(spec_.needsFit()),
      nbuckets_(spec_.bucketCount()), keys_(spec_.keySize) {
  size_t n = 4;
  while (n < size_t(k_) + 2)
    n *= 2;
  ring_.resize(n);
  last_.map = id_;
  last_.spec = &spec_;
}

bool WindowedMap::isLate(int64_t seq) const {
  return std::max<int64_t>(seq + 1, k_) <= nextM_ - 1;
}

bool WindowedMap::isClosed(int64_t seq) const { return seq + k_ <= nextM_ - 1; }

WindowedMap::Slot *WindowedMap::slotFor(int64_t seq) {
  for (;;) {
    Slot &s = ring_[size_t(seq) & (ring_.size() - 1)];
    if (s.seq == seq)
      return &s;
    if (s.seq == -1) {
      s.seq = seq;
      ++live_;
      return &s;
    }
    // An event far ahead of the oldest open slot (another CPU ahead of the
    // watermark): grow the ring rather than overwrite.
    std::vector<Slot> bigger(ring_.size() * 2);
    for (Slot &o : ring_)
      if (o.seq != -1)
        bigger[size_t(o.seq) & (bigger.size() - 1)] = std::move(o);
    ring_.swap(bigger);
    cur_ = nullptr;
  }
}

bool WindowedMap::selectSlot(uint64_t ts) {
  cur_ = nullptr;
  if (finished_ || ts < origin_) {
    lateInOpen(1);
    return false;
  }
  int64_t seq = int64_t((ts - origin_) / step_);
  if (isClosed(seq)) {
    lateInOpen(1);
    return false;
  }
  curLate_ = isLate(seq);
  Slot *s = slotFor(seq);
  cur_ = s;
  curStart_ = origin_ + uint64_t(seq) * step_;
  return true;
}

void WindowedMap::growSlot(Slot &s, KeyId key) {
  size_t n =
      std::max<size_t>({size_t(key) + 1, keys_.size(), s.cells.size() * 2});
  s.cells.resize(n);
  if (fit_)
    s.fits.resize(n);
  if (spec_.exemplars)
    s.exemplars.resize(n);
}

uint32_t WindowedMap::allocBlock() {
  if (!freeBlocks_.empty()) {
    uint32_t b = freeBlocks_.back();
    freeBlocks_.pop_back();
    return b;
  }
  uint32_t b = uint32_t(pool_.size() / nbuckets_);
  pool_.resize(pool_.size() + nbuckets_, 0);
  return b;
}

void WindowedMap::touch(Slot &s, Cell &c, KeyId key) {
  s.touched.push_back(key);
  if (nbuckets_)
    c.block = allocBlock();
}

void WindowedMap::bucketAdd(Cell &c, int64_t v) {
  uint32_t i;
  switch (spec_.function) {
  case WindowFunction::Hist: i = obs_log2_bucket(v); break;
  case WindowFunction::Lhist:
    i = obs_lhist_bucket(v, spec_.lhistMin, spec_.lhistMax, spec_.lhistStep);
    break;
  default: i = obs_quantile_bucket(v); break;
  }
  pool_[size_t(c.block) * nbuckets_ + i] += 1;
}

void WindowedMap::exemplarAdd(Slot &s, Cell &c, KeyId key,
                              const obs_exemplar &ex) {
  if (!spec_.exemplars || c.exemplar == 2)
    return;
  s.exemplars[key] = ex;
  s.exemplars[key].crossed = 0;
  c.exemplar = 1;
  if (!spec_.hasExemplarThreshold)
    return;
  int64_t running;
  switch (spec_.function) {
  case WindowFunction::Sum:
  case WindowFunction::RateOf: running = c.sum; break;
  case WindowFunction::Max: running = c.max; break;
  default: running = int64_t(c.count); break;
  }
  if (running > spec_.exemplarThreshold) {
    c.exemplar = 2; // crossed: frozen for the rest of the slot
    s.exemplars[key].crossed = 1;
  }
}

void WindowedMap::lateInOpen(uint64_t n) {
  lateTotal_ += n;
  if (finished_)
    return;
  Slot *s = slotFor(nextM_ - 1);
  s->lost.late += n;
}

void WindowedMap::addLoss(LossKind kind, uint64_t ts, uint64_t n) {
  Slot *s;
  if (ts >= origin_ && !isClosed(int64_t((ts - origin_) / step_)))
    s = slotFor(int64_t((ts - origin_) / step_));
  else
    s = slotFor(nextM_ - 1);
  switch (kind) {
  case LossKind::Ringbuf: s->lost.ringbuf += n; break;
  case LossKind::MapFull: s->lost.mapFull += n; break;
  case LossKind::Evicted: s->lost.evicted += n; break;
  case LossKind::Late:
    s->lost.late += n;
    lateTotal_ += n;
    break;
  }
}

void WindowedMap::mergeKernelPartial(KeyId key, const void *partial,
                                     const obs_exemplar *ex) {
  obs_win_hdr h;
  std::memcpy(&h, partial, sizeof h);
  if (h.seq == 0 || h.count == 0)
    return;
  int64_t seq = int64_t(h.seq - 1);
  if (finished_ || isClosed(seq)) {
    lateInOpen(h.count);
    return;
  }
  Slot &s = *slotFor(seq);
  if (key >= s.cells.size())
    growSlot(s, key);
  Cell &c = s.cells[key];
  if (c.count == 0)
    touch(s, c, key);
  if (fit_) {
    const auto *p = static_cast<const obs_win_fit *>(partial);
    FitSums f = FitSums::fromKernel(*p);
    s.fits[key].merge(f, 0);
    c.count += f.n;
    c.sum += int64_t(f.sv);
  } else {
    const auto *p = static_cast<const obs_win_scalar *>(partial);
    c.count += p->h.count;
    c.sum += p->sum;
    c.min = std::min(c.min, p->min);
    c.max = std::max(c.max, p->max);
    if (nbuckets_) {
      const auto *b = reinterpret_cast<const uint64_t *>(
          static_cast<const char *>(partial) + sizeof(obs_win_scalar));
      uint64_t *dst = pool_.data() + size_t(c.block) * nbuckets_;
      for (uint32_t i = 0; i < nbuckets_; ++i)
        dst[i] += b[i];
    }
  }
  // Across CPUs: the earliest crossing, else the latest event.
  if (ex && spec_.exemplars) {
    bool take = ex->crossed
                    ? c.exemplar != 2 || ex->ts < s.exemplars[key].ts
                    : c.exemplar == 0 ||
                          (c.exemplar == 1 && ex->ts >= s.exemplars[key].ts);
    if (take) {
      s.exemplars[key] = *ex;
      c.exemplar = ex->crossed ? 2 : 1;
    }
  }
  if (isLate(seq))
    lateInOpen(h.count);
}

void WindowedMap::freeSlot(Slot &s) {
  for (KeyId key : s.touched) {
    Cell &c = s.cells[key];
    if (c.block != UINT32_MAX) {
      std::fill_n(pool_.begin() + size_t(c.block) * nbuckets_, nbuckets_, 0);
      freeBlocks_.push_back(c.block);
    }
    c = Cell{};
    if (fit_)
      s.fits[key] = FitSums{};
  }
  s.touched.clear();
  s.lost = LossCounts{};
  s.seq = -1;
  --live_;
  if (cur_ == &s)
    cur_ = nullptr;
}

void WindowedMap::buildResult(int64_t m, bool partial, WindowResult &out) {
  out.map = id_;
  out.spec = &spec_;
  out.partial = partial;
  out.startNs = uint64_t(m - k_) * step_;
  out.endNs = uint64_t(m) * step_;
  out.lost = LossCounts{};
  out.entries.clear();
  out.buckets.clear();

  if (mcells_.size() < keys_.size()) {
    mcells_.resize(keys_.size());
    mex_.resize(keys_.size(), -1);
    if (fit_)
      mfits_.resize(keys_.size());
  }
  mtouched_.clear();
  for (int64_t j = m - k_; j < m; ++j) {
    Slot &s = ring_[size_t(j) & (ring_.size() - 1)];
    if (s.seq != j)
      continue;
    out.lost += s.lost;
    int64_t offsetUs = int64_t(uint64_t(j - (m - k_)) * step_ / 1000);
    for (KeyId key : s.touched) {
      const Cell &c = s.cells[key];
      Cell &d = mcells_[key];
      if (d.count == 0) {
        mtouched_.push_back(key);
        if (nbuckets_)
          d.block = allocBlock();
      }
      d.count += c.count;
      d.sum += c.sum;
      d.min = std::min(d.min, c.min);
      d.max = std::max(d.max, c.max);
      if (fit_)
        mfits_[key].merge(s.fits[key], offsetUs);
      if (nbuckets_) {
        const uint64_t *src = pool_.data() + size_t(c.block) * nbuckets_;
        uint64_t *dst = pool_.data() + size_t(d.block) * nbuckets_;
        for (uint32_t i = 0; i < nbuckets_; ++i)
          dst[i] += src[i];
      }
      // The exemplar: the first crossing in the window, else the latest.
      if (c.exemplar && d.exemplar != 2) {
        mex_[key] = j;
        d.exemplar = c.exemplar;
      }
    }
  }

  std::sort(mtouched_.begin(), mtouched_.end());
  out.entries.reserve(mtouched_.size());
  double overSec = double(spec_.overNs) / 1e9;
  for (KeyId key : mtouched_) {
    Cell &d = mcells_[key];
    WindowEntry e;
    e.key = key;
    WindowValue &v = e.value;
    v.count = d.count;
    v.sum = d.sum;
    v.min = d.min;
    v.max = d.max;
    if (fit_) {
      v.fit = fitLine(mfits_[key]);
      mfits_[key] = FitSums{};
    }
    if (nbuckets_) {
      v.bucketOffset = uint32_t(out.buckets.size());
      v.bucketCount = nbuckets_;
      const uint64_t *b = pool_.data() + size_t(d.block) * nbuckets_;
      out.buckets.insert(out.buckets.end(), b, b + nbuckets_);
    }
    switch (spec_.function) {
    case WindowFunction::Count:
    case WindowFunction::Hist:
    case WindowFunction::Lhist: v.number = double(d.count); break;
    case WindowFunction::Sum: v.number = double(d.sum); break;
    case WindowFunction::Avg:
    case WindowFunction::Stats:
      v.number = double(d.sum) / double(d.count);
      break;
    case WindowFunction::Min: v.number = double(d.min); break;
    case WindowFunction::Max: v.number = double(d.max); break;
    case WindowFunction::Rate: v.number = double(d.count) / overSec; break;
    case WindowFunction::RateOf: v.number = double(d.sum) / overSec; break;
    case WindowFunction::Slope:
      v.number = v.fit.slope;
      v.defined = v.fit.defined;
      break;
    case WindowFunction::R2:
      v.number = v.fit.r2;
      v.defined = v.fit.defined;
      break;
    case WindowFunction::Predict:
      v.number = v.fit.at(overSec + double(spec_.predictNs) / 1e9);
      v.defined = v.fit.defined;
      break;
    case WindowFunction::Quantile:
      v.number =
          double(quantileFromBuckets(pool_.data() + size_t(d.block) * nbuckets_,
                                     d.count, spec_.quantile, d.min, d.max));
      break;
    }
    if (mex_[key] >= 0) {
      Slot &s = ring_[size_t(mex_[key]) & (ring_.size() - 1)];
      v.hasExemplar = true;
      v.exemplar = s.exemplars[key];
      mex_[key] = -1;
    }
    if (d.block != UINT32_MAX) {
      std::fill_n(pool_.begin() + size_t(d.block) * nbuckets_, nbuckets_, 0);
      freeBlocks_.push_back(d.block);
    }
    d = Cell{};
    out.entries.push_back(std::move(e));
  }
}

bool WindowedMap::closeNext(WindowResult &out) {
  int64_t m = nextM_;
  bool formed = m >= k_;
  if (formed)
    buildResult(m, false, out);
  int64_t freed = m - k_;
  if (freed >= 0) {
    Slot &s = ring_[size_t(freed) & (ring_.size() - 1)];
    if (s.seq == freed)
      freeSlot(s);
  }
  nextM_ = m + 1;
  cur_ = nullptr; // lateness of the cached slot may have changed
  return formed;
}

void WindowedMap::skipQuietTo(uint64_t relNs) {
  int64_t last = int64_t(relNs / step_); // the last window end <= relNs
  if (live_ != 0 || last < nextM_)
    return;
  nextM_ = last + 1;
  cur_ = nullptr;
  if (last >= k_) {
    last_.map = id_;
    last_.spec = &spec_;
    last_.partial = false;
    last_.startNs = uint64_t(last - k_) * step_;
    last_.endNs = uint64_t(last) * step_;
    last_.lost = LossCounts{};
    last_.entries.clear();
    last_.buckets.clear();
  }
}

void WindowedMap::closePartial(uint64_t endNs, std::vector<WindowResult> &out) {
  for (int64_t m = nextM_; uint64_t(m - k_) * step_ < endNs || m < k_; ++m) {
    if (m < k_)
      continue;
    WindowResult r;
    buildResult(m, true, r);
    if (!r.entries.empty() || r.lost.total())
      out.push_back(std::move(r));
  }
  finished_ = true;
  cur_ = nullptr;
}

} // namespace obs::window
