//===- text_output.cpp - bpftrace's text format, plus windows and alerts --===//
//
// Map dumps follow bpftrace 0.17 to the byte, blank lines included:
//   scalar maps  `@m[k]: v` lines, no blank line after the map
//   avg, stats   the lines, then one blank line
//   hist, lhist  per key `@h[k]: `, the bucket lines, then one blank line
//   empty map    a single blank line
//
//===----------------------------------------------------------------------===//
#include "runtime/output/histogram.h"
#include "runtime/output/printer.h"

#include <algorithm>

namespace obs::output {

namespace {

std::string keyText(const std::vector<KeyPart> &key, const Symbolizer &sym) {
  return key.empty() ? std::string() : "[" + joinKeyParts(key, ", ", sym) + "]";
}

/// A scalar value after print()'s divisor.
std::string scalarText(const MapDump &m, const MapValue &v, uint64_t div,
                       const Symbolizer &sym) {
  if (m.kind == MapValueKind::Plain && v.isString)
    return v.str;
  // bpftrace: (1, abc); stacks in values are indented 8.
  if (m.kind == MapValueKind::Plain && v.isTuple)
    return "(" + joinKeyParts(v.tuple, ", ", sym, 8) + ")";
  if (m.kind == MapValueKind::Plain && v.isStack) // bpftrace: nothing when empty
    return v.tuple[0].stack.empty() ? std::string() : joinKeyParts(v.tuple, "", sym, 8);
  if (div <= 1)
    div = 1;
  bool isSigned = m.kind != MapValueKind::Count && m.isSigned;
  if (isSigned)
    return std::to_string(v.scalar / static_cast<int64_t>(div));
  return std::to_string(static_cast<uint64_t>(v.scalar) / div);
}

std::string quoteIfNeeded(const std::string &s) {
  if (!s.empty() && s.find_first_of(" \t\"=") == std::string::npos)
    return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      q += '\\';
    q += c;
  }
  return q + "\"";
}

} // namespace

// bpftrace prints the banner on stdout; obs on stderr (spec §13.1), so that
// stdout holds only what the program prints.
void TextOutput::printAttached(uint64_t probes) {
  err_ << "Attaching " << probes
       << (probes == 1 ? " probe...\n" : " probes...\n");
  err_.flush();
}

void TextOutput::printExitSeparator() { out_ << "\n\n"; }

/// The lines of a non-empty map dump, bpftrace's layout.
static std::string mapBody(const MapDump &m,
                           const std::vector<const MapEntry *> &es,
                           const PrintOptions &opts, const Symbolizer &sym) {
  std::string out;
  switch (m.kind) {
  case MapValueKind::Hist:
  case MapValueKind::Lhist:
    for (const MapEntry *e : es) {
      out += m.name + keyText(e->key, sym) + ": \n";
      out += renderHistText(m.kind == MapValueKind::Hist
                                ? log2Rows(e->value.buckets)
                                : linearRows(e->value.buckets, m.lhistMin,
                                             m.lhistMax, m.lhistStep));
      out += "\n";
    }
    break;
  case MapValueKind::Avg:
  case MapValueKind::Stats: {
    int64_t div = opts.div <= 1 ? 1 : static_cast<int64_t>(opts.div);
    for (const MapEntry *e : es) {
      out += m.name + keyText(e->key, sym) + ": ";
      if (m.kind == MapValueKind::Avg)
        out += std::to_string(averageOf(e->value) / div) + "\n";
      else
        out += "count " + std::to_string(e->value.count) + ", average " +
               std::to_string(averageOf(e->value) / div) + ", total " +
               std::to_string(e->value.total / div) + "\n";
    }
    out += "\n";
    break;
  }
  default:
    for (const MapEntry *e : es)
      out += m.name + keyText(e->key, sym) + ": " +
             scalarText(m, e->value, opts.div, sym) + "\n";
    break;
  }
  return out;
}

void TextOutput::printMap(const MapDump &m, const PrintOptions &opts) {
  std::vector<const MapEntry *> es = orderedEntries(m, opts.top);
  // An empty map is one blank line, as in bpftrace.
  out_ << (es.empty() ? std::string("\n") : mapBody(m, es, opts, symbolize_));
  out_.flush();
}

void TextOutput::printValue(const KeyPart &v) {
  switch (v.kind) {
  case KeyPart::Kind::Int: out_ << v.i; break;
  case KeyPart::Kind::Uint: out_ << v.u; break;
  case KeyPart::Kind::String: out_ << v.s; break;
  case KeyPart::Kind::Stack:
    out_ << renderStack(v, 8, symbolize_);
    break;
  }
  out_ << "\n";
  out_.flush();
}

void TextOutput::printPrintf(std::string_view text) {
  out_ << text;
}

void TextOutput::printTime(std::string_view fmt, WallTime when) {
  out_ << formatWallTime(fmt, when);
}

static std::string durationText(uint64_t ns) {
  static const struct {
    uint64_t ns;
    const char *unit;
  } units[] = {{3600000000000ULL, "h"},
               {60000000000ULL, "m"},
               {1000000000ULL, "s"},
               {1000000ULL, "ms"},
               {1000ULL, "us"}};
  for (const auto &u : units)
    if (ns != 0 && ns % u.ns == 0)
      return std::to_string(ns / u.ns) + u.unit;
  return std::to_string(ns) + "ns";
}

void TextOutput::printWindow(const WindowDump &w) {
  if (w.entries.empty() && w.lost.total() == 0)
    return; // spec §13.3: nothing to say
  out_ << w.map << " over " << durationText(w.overNs);
  if (w.everyNs != 0 && w.everyNs != w.overNs)
    out_ << " every " << durationText(w.everyNs);
  out_ << " [" << formatSeconds(w.startNs) << ", " << formatSeconds(w.endNs)
       << ")";
  if (w.lost.total())
    out_ << " lost " << w.lost.total();
  if (w.partial)
    out_ << " partial";
  out_ << ":\n";
  if (w.numeric) {
    std::vector<const WindowEntry *> es;
    for (const WindowEntry &e : w.entries)
      es.push_back(&e);
    std::stable_sort(es.begin(), es.end(),
                     [](const WindowEntry *a, const WindowEntry *b) {
                       return keyLess(a->key, b->key);
                     });
    std::stable_sort(es.begin(), es.end(),
                     [](const WindowEntry *a, const WindowEntry *b) {
                       return a->number < b->number;
                     });
    for (const WindowEntry *e : es)
      out_ << w.map << keyText(e->key, symbolize_) << ": "
           << formatNumber(e->number) << "\n";
  } else if (!w.entries.empty()) {
    MapDump m;
    m.name = w.map;
    m.kind = w.kind;
    m.isSigned = w.isSigned;
    m.lhistMin = w.lhistMin;
    m.lhistMax = w.lhistMax;
    m.lhistStep = w.lhistStep;
    for (const WindowEntry &e : w.entries)
      m.entries.push_back(MapEntry{e.key, e.value});
    out_ << mapBody(m, orderedEntries(m), {}, symbolize_);
  }
  out_.flush();
}

static std::string keyValueText(const KeyPart &p) {
  switch (p.kind) {
  case KeyPart::Kind::Int: return std::to_string(p.i);
  case KeyPart::Kind::Uint: return std::to_string(p.u);
  case KeyPart::Kind::String: return p.s;
  case KeyPart::Kind::Stack: return "<stack>";
  }
  return {};
}

static std::string lossBreakdown(const LossCounts &l) {
  std::string s;
  auto add = [&](const char *name, uint64_t n) {
    if (n)
      s +=
          (s.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(n);
  };
  add("ringbuf", l.ringbuf);
  add("map_full", l.mapFull);
  add("evicted", l.evicted);
  add("late", l.late);
  return s;
}

void TextOutput::printAlert(const AlertRecord &a) {
  out_ << "ALERT " << a.name;
  if (!a.key.empty()) {
    out_ << "[";
    for (size_t i = 0; i < a.key.size(); ++i)
      out_ << (i ? ", " : "") << a.key[i].first << "="
           << keyValueText(a.key[i].second);
    out_ << "]";
  }
  out_ << " " << alertStateName(a.state) << " at " << formatSeconds(a.tsNs);
  switch (a.state) {
  case AlertRecord::State::Pending: break;
  case AlertRecord::State::Firing:
    if (!a.summary.empty())
      out_ << ": " << a.summary;
    break;
  case AlertRecord::State::Resolved: {
    std::string fired = formatSeconds(a.firedNs);
    out_ << ": fired for " << fired << ", " << a.repeats
         << (a.repeats == 1 ? " repeat" : " repeats") << ", peak "
         << formatQuantity(a.peak, a.peakQuantity);
    if (a.stillFiring)
      out_ << ", still firing";
    break;
  }
  }
  out_ << "\n";
  const Exemplar &x = a.exemplar;
  if (x.present) {
    out_ << "  exemplar: comm=" << quoteIfNeeded(x.comm) << " pid=" << x.pid
         << " tid=" << x.tid << " ppid=" << x.ppid << " uid=" << x.uid
         << " cgroup=" << x.cgroup << " cpu=" << x.cpu << " at "
         << formatSeconds(x.tsNs) << "\n";
    std::vector<uint64_t> ks = exemplarFrames(x, false), us = exemplarFrames(x, true);
    if (!ks.empty())
      out_ << "  kstack:" << renderStack(ks, false, 8, symbolize_);
    if (!us.empty())
      out_ << "  ustack:"
           << renderStack(us, true, x.pid, contract::StackMode::Bpftrace, 8, symbolize_);
  }
  if (a.lost.total())
    out_ << "  degraded: " << a.lost.total() << " events lost in window ["
         << formatSeconds(a.windowStartNs) << ", "
         << formatSeconds(a.windowEndNs) << ") (" << lossBreakdown(a.lost)
         << ")\n";
  out_.flush();
}

void TextOutput::printLost(uint64_t count, std::string_view counter) {
  err_ << "obsc: lost " << count << (count == 1 ? " event (" : " events (")
       << counter << ") in the last second\n";
  err_.flush();
}

void TextOutput::printLostTotal(const LossCounts &lost) {
  if (!lost.total())
    return;
  err_ << "obsc: lost " << lost.total()
       << (lost.total() == 1 ? " event" : " events") << " in total ("
       << lossBreakdown(lost) << ")\n";
  err_.flush();
}

} // namespace obs::output
