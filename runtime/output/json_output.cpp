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

#include <cctype>

namespace obs::output {

namespace {

std::string keyString(const std::vector<KeyPart> &key, const Symbolizer &sym) {
  std::string s;
  for (size_t i = 0; i < key.size(); ++i) {
    if (i)
      s += ",";
    const KeyPart &p = key[i];
    switch (p.kind) {
    case KeyPart::Kind::Int: s += std::to_string(p.i); break;
    case KeyPart::Kind::Uint: s += std::to_string(p.u); break;
    case KeyPart::Kind::String: s += p.s; break;
    case KeyPart::Kind::Stack: s += renderStack(p.stack, p.userStack, 4, sym); break;
    }
  }
  return jsonString(s);
}

/// A key as a typed JSON array (windows and alerts): [1234, "bash"].
std::string keyArray(const std::vector<KeyPart> &key, const Symbolizer &sym) {
  std::string s = "[";
  for (size_t i = 0; i < key.size(); ++i) {
    if (i)
      s += ", ";
    const KeyPart &p = key[i];
    switch (p.kind) {
    case KeyPart::Kind::Int: s += std::to_string(p.i); break;
    case KeyPart::Kind::Uint: s += std::to_string(p.u); break;
    case KeyPart::Kind::String: s += jsonString(p.s); break;
    case KeyPart::Kind::Stack: s += jsonString(renderStack(p.stack, p.userStack, 4, sym)); break;
    }
  }
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
      s += "\"max\": " + (r.maxNegative ? std::to_string(r.maxSigned) : std::to_string(*r.max));
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

std::string nsSinceEpoch(WallTime t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

std::string numberJson(double v) {
  std::string s = formatNumber(v);
  if (s == "nan" || s == "inf" || s == "-inf")
    return "null"; // JSON has no NaN or infinity
  return s;
}

std::string stackArray(const std::vector<uint64_t> &frames, bool user,
                       const Symbolizer &sym) {
  std::string s = "[";
  bool first = true;
  for (uint64_t a : frames) {
    if (a == 0)
      break;
    if (!first)
      s += ", ";
    first = false;
    // renderStack() of one frame is "\n" + name + "\n".
    std::string one = renderStack({a}, user, 0, sym);
    s += jsonString(std::string_view(one).substr(1, one.size() - 2));
  }
  return s + "]";
}

} // namespace

void JsonOutput::printAttached(uint64_t probes) {
  out_ << "{\"type\": \"attached_probes\", \"data\": {\"probes\": " << probes << "}}\n";
  out_.flush();
}

// bpftrace prints the same two blank lines in JSON mode; obs keeps them so
// that the two outputs compare equal (JSON readers such as jq skip them).
void JsonOutput::printExitSeparator() { out_ << "\n\n"; }

void JsonOutput::printMap(const MapDump &m, const PrintOptions &opts) {
  std::vector<const MapEntry *> es = orderedEntries(m, opts.top);
  if (es.empty())
    return;
  int64_t sdiv = opts.div <= 1 ? 1 : static_cast<int64_t>(opts.div);
  uint64_t udiv = opts.div <= 1 ? 1 : opts.div;
  const char *type = "map";
  if (m.kind == MapValueKind::Avg || m.kind == MapValueKind::Stats)
    type = "stats";
  else if (m.kind == MapValueKind::Hist || m.kind == MapValueKind::Lhist)
    type = "hist";

  auto valueJson = [&](const MapValue &v) -> std::string {
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
      if (m.isSigned)
        return std::to_string(v.scalar / sdiv);
      return std::to_string(static_cast<uint64_t>(v.scalar) / udiv);
    }
  };

  out_ << "{\"type\": \"" << type << "\", \"data\": {" << jsonString(m.name) << ": ";
  bool keyless = es.size() == 1 && es.front()->key.empty();
  if (keyless) {
    out_ << valueJson(es.front()->value);
  } else {
    out_ << "{";
    for (size_t i = 0; i < es.size(); ++i) {
      if (i)
        out_ << ", ";
      out_ << keyString(es[i]->key, symbolize_) << ": " << valueJson(es[i]->value);
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
    out_ << jsonString(renderStack(v.stack, v.userStack, 8, symbolize_));
    break;
  }
  out_ << "}\n";
  out_.flush();
}

void JsonOutput::printPrintf(std::string_view text) {
  out_ << "{\"type\": \"printf\", \"data\": " << jsonString(text) << "}\n";
  out_.flush();
}

void JsonOutput::printTime(std::string_view fmt, WallTime when) {
  out_ << "{\"type\": \"time\", \"data\": " << jsonString(formatWallTime(fmt, when))
       << "}\n";
  out_.flush();
}

void JsonOutput::printWindow(const WindowRecord &w) {
  out_ << "{\"type\": \"window\", \"data\": {\"map\": " << jsonString(w.map);
  if (!w.function.empty())
    out_ << ", \"function\": " << jsonString(w.function);
  out_ << ", \"key\": " << keyArray(w.key, symbolize_)
       << ", \"start_ns\": " << nsSinceEpoch(w.start)
       << ", \"end_ns\": " << nsSinceEpoch(w.end) << ", \"value\": ";
  switch (w.shape) {
  case WindowRecord::Shape::Number: out_ << numberJson(w.number); break;
  case WindowRecord::Shape::Stats: out_ << statsJson(w.value, 1); break;
  case WindowRecord::Shape::Hist: out_ << histJson(log2Rows(w.value.buckets)); break;
  case WindowRecord::Shape::Lhist:
    out_ << histJson(linearRows(w.value.buckets, w.lhistMin, w.lhistMax, w.lhistStep));
    break;
  }
  if (w.shape == WindowRecord::Shape::Number)
    out_ << ", \"unit\": " << jsonString(w.unit);
  out_ << ", \"lost\": " << w.lost << "}}\n";
  out_.flush();
}

void JsonOutput::printAlert(const AlertRecord &a) {
  std::string state = alertStateName(a.state);
  for (char &c : state)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  out_ << "{\"type\": \"alert\", \"data\": {\"name\": " << jsonString(a.name)
       << ", \"state\": " << jsonString(state)
       << ", \"key\": " << keyArray(a.key, symbolize_);
  if (!a.keyNames.empty()) {
    out_ << ", \"key_names\": [";
    for (size_t i = 0; i < a.keyNames.size(); ++i)
      out_ << (i ? ", " : "") << jsonString(a.keyNames[i]);
    out_ << "]";
  }
  out_ << ", \"at_ns\": " << nsSinceEpoch(a.at) << ", \"value\": " << numberJson(a.value)
       << ", \"unit\": " << jsonString(a.unit) << ", \"summary\": " << jsonString(a.summary)
       << ", \"repeats\": " << a.repeats << ", \"lost\": " << a.lost;
  const AlertContext &c = a.context;
  if (c.present) {
    out_ << ", \"context\": {\"comm\": " << jsonString(c.comm) << ", \"pid\": " << c.pid
         << ", \"ppid\": " << c.ppid << ", \"cgroup\": " << c.cgroup
         << ", \"kstack\": " << stackArray(c.kstack, false, symbolize_)
         << ", \"ustack\": " << stackArray(c.ustack, true, symbolize_) << "}";
  }
  out_ << "}}\n";
  out_.flush();
}

void JsonOutput::printLost(uint64_t count) {
  out_ << "{\"type\": \"lost_events\", \"data\": {\"events\": " << count << "}}\n";
  out_.flush();
}

} // namespace obs::output
