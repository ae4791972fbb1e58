//===- json_output.cpp - bpftrace's -f json, plus windows and alerts ------===//
//
// One object a line, `{"type": T, "data": D}`, with bpftrace's spacing
// (", " and ": " inside objects) so that obs and bpftrace output diff
// clean. Map types: "map" (count, sum, min, max, plain), "stats" (avg,
// stats), "hist" (hist, lhist). Keys of keyed maps are their parts joined
// by "," as strings, as bpftrace does.
//
//===----------------------------------------------------------------------===//
#include "runtime/output/histogram.h"
#include "runtime/output/printer.h"

#include <algorithm>
#include <cctype>

namespace obs::output {

namespace {

std::string keyString(const std::vector<KeyPart> &key, const Symbolizer &sym) {
  return jsonString(joinKeyParts(key, ",", sym));
}

/// One key part as a typed JSON value: 1234, "bash", a stack as its text.
std::string keyPartJson(const KeyPart &p, const Symbolizer &sym) {
  switch (p.kind) {
  case KeyPart::Kind::Int: return std::to_string(p.i);
  case KeyPart::Kind::Uint: return std::to_string(p.u);
  case KeyPart::Kind::String: return jsonString(p.s);
  case KeyPart::Kind::Stack:
    return jsonString(renderStack(p, 4, sym));
  }
  return "null";
}

/// A key as a typed JSON array (windows): [1234, "bash"].
std::string keyArray(const std::vector<KeyPart> &key, const Symbolizer &sym) {
  std::string s = "[";
  for (size_t i = 0; i < key.size(); ++i)
    s += (i ? ", " : "") + keyPartJson(key[i], sym);
  return s + "]";
}

std::string histJson(const std::vector<HistRow> &rows) {
  std::string s = "[";
  for (size_t i = 0; i < rows.size(); ++i) {
    const HistRow &r = rows[i];
    if (i)
      s += ", ";
    s += "{";
    bool any = false;
    if (r.min) {
      s += "\"min\": " + std::to_string(*r.min);
      any = true;
    }
    if (r.max || r.maxNegative) {
      s += any ? ", " : "";
      s += "\"max\": " + (r.maxNegative ? std::to_string(r.maxSigned)
                                        : std::to_string(*r.max));
      any = true;
    }
    s += any ? ", " : "";
    s += "\"count\": " + std::to_string(r.count) + "}";
  }
  return s + "]";
}

std::string statsJson(const MapValue &v, int64_t div) {
  return "{\"count\": " + std::to_string(v.count) +
         ", \"average\": " + std::to_string(averageOf(v) / div) +
         ", \"total\": " + std::to_string(v.total / div) + "}";
}

std::string numberJson(double v) {
  std::string s = formatNumber(v);
  if (s == "nan" || s == "inf" || s == "-inf")
    return "null"; // JSON has no NaN or infinity
  return s;
}

std::string stackArray(const std::vector<uint64_t> &frames, bool user,
                       const Symbolizer &sym, uint32_t pid = 0) {
  std::string s = "[";
  bool first = true;
  for (uint64_t a : frames) {
    if (a == 0)
      break;
    if (!first)
      s += ", ";
    first = false;
    // renderStack() of one frame is "\n" + name + "\n".
    std::string one = renderStack({a}, user, pid, contract::StackMode::Bpftrace, 0, sym);
    s += jsonString(std::string_view(one).substr(1, one.size() - 2));
  }
  return s + "]";
}

/// One value of a map dump, print()'s divisor applied.
std::string mapValueJson(const MapDump &m, const MapValue &v, uint64_t div,
                         const Symbolizer &sym) {
  int64_t sdiv = div <= 1 ? 1 : static_cast<int64_t>(div);
  uint64_t udiv = div <= 1 ? 1 : div;
  switch (m.kind) {
  case MapValueKind::Hist: return histJson(log2Rows(v.buckets));
  case MapValueKind::Lhist:
    return histJson(linearRows(v.buckets, m.lhistMin, m.lhistMax, m.lhistStep));
  case MapValueKind::Avg: return std::to_string(averageOf(v) / sdiv);
  case MapValueKind::Stats: return statsJson(v, sdiv);
  case MapValueKind::Count:
    return std::to_string(static_cast<uint64_t>(v.scalar) / udiv);
  default:
    if (v.isString)
      return jsonString(v.str);
    if (v.isStack)
      return jsonString(joinKeyParts(v.tuple, "", sym, 8));
    if (v.isTuple) { // bpftrace: [1,"abc"]
      std::string s = "[";
      for (size_t i = 0; i < v.tuple.size(); ++i)
        s += (i ? "," : "") + keyPartJson(v.tuple[i], sym);
      return s + "]";
    }
    if (m.isSigned)
      return std::to_string(v.scalar / sdiv);
    return std::to_string(static_cast<uint64_t>(v.scalar) / udiv);
  }
}

} // namespace

void JsonOutput::printAttached(uint64_t probes) {
  out_ << "{\"type\": \"attached_probes\", \"data\": {\"probes\": " << probes
       << "}}\n";
  out_.flush();
}

// bpftrace prints the same two blank lines in JSON mode; obs keeps them so
// that the two outputs compare equal (JSON readers such as jq skip them).
void JsonOutput::printExitSeparator() { out_ << "\n\n"; }

void JsonOutput::printMap(const MapDump &m, const PrintOptions &opts) {
  std::vector<const MapEntry *> es = orderedEntries(m, opts.top);
  if (es.empty())
    return;
  const char *type = "map";
  if (m.kind == MapValueKind::Avg || m.kind == MapValueKind::Stats)
    type = "stats";
  else if (m.kind == MapValueKind::Hist || m.kind == MapValueKind::Lhist)
    type = "hist";

  auto valueJson = [&](const MapValue &v) {
    return mapValueJson(m, v, opts.div, symbolize_);
  };

  out_ << "{\"type\": \"" << type << "\", \"data\": {" << jsonString(m.name)
       << ": ";
  bool keyless = es.size() == 1 && es.front()->key.empty();
  if (keyless) {
    out_ << valueJson(es.front()->value);
  } else {
    out_ << "{";
    for (size_t i = 0; i < es.size(); ++i) {
      if (i)
        out_ << ", ";
      out_ << keyString(es[i]->key, symbolize_) << ": "
           << valueJson(es[i]->value);
    }
    out_ << "}";
  }
  out_ << "}}\n";
  out_.flush();
}

void JsonOutput::printValue(const KeyPart &v) {
  out_ << "{\"type\": \"value\", \"data\": ";
  switch (v.kind) {
  case KeyPart::Kind::Int: out_ << v.i; break;
  case KeyPart::Kind::Uint: out_ << v.u; break;
  case KeyPart::Kind::String: out_ << jsonString(v.s); break;
  case KeyPart::Kind::Stack:
    out_ << jsonString(renderStack(v, 8, symbolize_));
    break;
  }
  out_ << "}\n";
  out_.flush();
}

void JsonOutput::printPrintf(std::string_view text) {
  out_ << "{\"type\": \"printf\", \"data\": " << jsonString(text) << "}\n";
}

void JsonOutput::printValueRecord(std::string_view, std::string_view json) {
  out_ << "{\"type\": \"value\", \"data\": " << json << "}\n";
}

void JsonOutput::printTime(std::string_view fmt, WallTime when) {
  out_ << "{\"type\": \"time\", \"data\": "
       << jsonString(formatWallTime(fmt, when)) << "}\n";
}

static std::string lossJson(const LossCounts &l) {
  return "{\"ringbuf\": " + std::to_string(l.ringbuf) +
         ", \"map_full\": " + std::to_string(l.mapFull) +
         ", \"evicted\": " + std::to_string(l.evicted) +
         ", \"late\": " + std::to_string(l.late) + "}";
}

void JsonOutput::printWindow(const WindowDump &w) {
  out_ << "{\"type\": \"window\", \"data\": {\"map\": " << jsonString(w.map)
       << ", \"aggregation\": " << jsonString(w.aggregation)
       << ", \"unit\": " << jsonString(jsonUnit(w.quantity))
       << ", \"over_ns\": " << w.overNs
       << ", \"every_ns\": " << (w.everyNs ? w.everyNs : w.overNs)
       << ", \"start_ns\": " << w.startNs << ", \"end_ns\": " << w.endNs
       << ", \"partial\": " << (w.partial ? "true" : "false")
       << ", \"lost\": " << lossJson(w.lost) << ", \"values\": [";
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
    for (size_t i = 0; i < es.size(); ++i)
      out_ << (i ? ", " : "")
           << "{\"key\": " << keyArray(es[i]->key, symbolize_)
           << ", \"value\": " << numberJson(es[i]->number) << "}";
  } else {
    MapDump m;
    m.kind = w.kind;
    m.isSigned = w.isSigned;
    m.lhistMin = w.lhistMin;
    m.lhistMax = w.lhistMax;
    m.lhistStep = w.lhistStep;
    for (const WindowEntry &e : w.entries)
      m.entries.push_back(MapEntry{e.key, e.value});
    std::vector<const MapEntry *> es = orderedEntries(m);
    for (size_t i = 0; i < es.size(); ++i)
      out_ << (i ? ", " : "")
           << "{\"key\": " << keyArray(es[i]->key, symbolize_)
           << ", \"value\": " << mapValueJson(m, es[i]->value, 1, symbolize_) << "}";
  }
  out_ << "]}}\n";
  out_.flush();
}

void JsonOutput::printAlert(const AlertRecord &a) {
  std::string state = alertStateName(a.state);
  for (char &c : state)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  out_ << "{\"type\": \"alert\", \"data\": {\"name\": " << jsonString(a.name)
       << ", \"state\": " << jsonString(state) << ", \"key\": {";
  for (size_t i = 0; i < a.key.size(); ++i)
    out_ << (i ? ", " : "") << jsonString(a.key[i].first) << ": "
         << keyPartJson(a.key[i].second, symbolize_);
  out_ << "}, \"ts_ns\": " << a.tsNs
       << ", \"window\": {\"start_ns\": " << a.windowStartNs
       << ", \"end_ns\": " << a.windowEndNs << "}";
  if (a.state == AlertRecord::State::Firing)
    out_ << ", \"summary\": " << jsonString(a.summary);
  out_ << ", \"values\": {";
  for (size_t i = 0; i < a.values.size(); ++i)
    out_ << (i ? ", " : "") << jsonString(a.values[i].first) << ": "
         << numberJson(a.values[i].second);
  out_ << "}";
  const Exemplar &x = a.exemplar;
  if (x.present) {
    out_ << ", \"exemplar\": {\"comm\": " << jsonString(x.comm)
         << ", \"pid\": " << x.pid << ", \"tid\": " << x.tid
         << ", \"ppid\": " << x.ppid << ", \"uid\": " << x.uid
         << ", \"gid\": " << x.gid << ", \"cgroup\": " << x.cgroup
         << ", \"cpu\": " << x.cpu << ", \"ts_ns\": " << x.tsNs;
    std::vector<uint64_t> ks = exemplarFrames(x, false), us = exemplarFrames(x, true);
    if (!ks.empty())
      out_ << ", \"kstack\": " << stackArray(ks, false, symbolize_);
    if (!us.empty())
      out_ << ", \"ustack\": " << stackArray(us, true, symbolize_, x.pid);
    out_ << "}";
  }
  out_ << ", \"degraded\": " << (a.lost.total() ? "true" : "false")
       << ", \"lost\": " << lossJson(a.lost);
  if (a.state == AlertRecord::State::Resolved) {
    out_ << ", \"fired_ns\": " << a.firedNs << ", \"repeats\": " << a.repeats
         << ", \"peak\": " << numberJson(a.peak);
    if (a.stillFiring)
      out_ << ", \"still_firing\": true";
  }
  out_ << "}}\n";
  out_.flush();
}

void JsonOutput::printLost(uint64_t count, std::string_view) {
  out_ << "{\"type\": \"lost_events\", \"data\": {\"events\": " << count
       << "}}\n";
  out_.flush();
}

void JsonOutput::printLostTotal(const LossCounts &lost) {
  if (!lost.total())
    return;
  out_ << "{\"type\": \"lost_total\", \"data\": {\"events\": " << lost.total()
       << ", \"lost\": " << lossJson(lost) << "}}\n";
  out_.flush();
}

} // namespace obs::output
