//===- window_adapter.cpp - time-engine results into printable records
//-----===//
#include "runtime/output/window_adapter.h"

namespace obs::output {

WindowDump windowDumpFrom(const window::WindowResult &r,
                          const KeyDecoder &decodeKey, Quantity quantity) {
  using F = window::WindowFunction;
  WindowDump w;
  const window::WindowSpec *spec = r.spec;
  if (spec) {
    w.map = spec->name;
    w.aggregation = window::functionName(spec->function);
    w.overNs = spec->overNs;
    w.everyNs = spec->step();
    w.lhistMin = spec->lhistMin;
    w.lhistMax = spec->lhistMax;
    w.lhistStep = spec->lhistStep;
  }
  w.quantity = quantity;
  w.startNs = r.startNs;
  w.endNs = r.endNs;
  w.partial = r.partial;
  w.lost = r.lost;
  F f = spec ? spec->function : F::Count;
  switch (f) {
  case F::Count: w.kind = MapValueKind::Count; break;
  case F::Sum: w.kind = MapValueKind::Sum; break;
  case F::Min: w.kind = MapValueKind::Min; break;
  case F::Max: w.kind = MapValueKind::Max; break;
  case F::Avg: w.kind = MapValueKind::Avg; break;
  case F::Stats: w.kind = MapValueKind::Stats; break;
  case F::Hist: w.kind = MapValueKind::Hist; break;
  case F::Lhist: w.kind = MapValueKind::Lhist; break;
  default: w.numeric = true; break;
  }
  for (const window::WindowEntry &e : r.entries) {
    const window::WindowValue &v = e.value;
    WindowEntry out;
    out.key = decodeKey ? decodeKey(e.key) : std::vector<KeyPart>{};
    if (w.numeric) {
      if (!v.defined)
        continue;
      out.number = v.number;
    } else {
      switch (f) {
      case F::Count: out.value.scalar = static_cast<int64_t>(v.count); break;
      case F::Sum: out.value.scalar = v.sum; break;
      case F::Min: out.value.scalar = v.min; break;
      case F::Max: out.value.scalar = v.max; break;
      case F::Hist:
      case F::Lhist: {
        const uint64_t *b = r.bucketsOf(v);
        out.value.buckets.assign(b, b + v.bucketCount);
        break;
      }
      default: // Avg, Stats
        out.value.count = v.count;
        out.value.total = v.sum;
        break;
      }
    }
    w.entries.push_back(std::move(out));
  }
  return w;
}

AlertRecord alertRecordFrom(const window::AlertTransition &t,
                            uint64_t originNs) {
  using K = window::AlertTransition::Kind;
  AlertRecord a;
  if (t.spec)
    a.name = t.spec->name;
  a.state = t.kind == K::Pending  ? AlertRecord::State::Pending
            : t.kind == K::Firing ? AlertRecord::State::Firing
                                  : AlertRecord::State::Resolved;
  a.tsNs = t.atNs;
  a.windowStartNs = t.windowStartNs;
  a.windowEndNs = t.windowEndNs;
  a.lost = t.lost;
  a.firedNs = t.firedNs;
  a.repeats = t.repeats;
  a.peak = t.peak;
  a.stillFiring = t.stillFiring;
  if (t.hasExemplar)
    a.exemplar = exemplarFromKernel(t.exemplar, originNs);
  return a;
}

} // namespace obs::output
