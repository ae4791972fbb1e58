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

namespace obs::output {

namespace {

std::string keyText(const std::vector<KeyPart> &key, const Symbolizer &sym) {
  if (key.empty())
    return {};
  std::string s = "[";
  for (size_t i = 0; i < key.size(); ++i) {
    if (i)
      s += ", ";
    const KeyPart &p = key[i];
    switch (p.kind) {
    case KeyPart::Kind::Int: s += std::to_string(p.i); break;
    case KeyPart::Kind::Uint: s += std::to_string(p.u); break;
    case KeyPart::Kind::String: s += p.s; break;
    case KeyPart::Kind::Stack: s += renderStack(p.stack, p.userStack, 4, sym); break;
    }
  }
  return s + "]";
}

/// A scalar value after print()'s divisor.
std::string scalarText(const MapDump &m, const MapValue &v, uint64_t div) {
  if (m.kind == MapValueKind::Plain && v.isString)
    return v.str;
  if (div <= 1)
    div = 1;
  bool isSigned = m.kind != MapValueKind::Count && m.isSigned;
  if (isSigned)
    return std::to_string(v.scalar / static_cast<int64_t>(div));
  return std::to_string(static_cast<uint64_t>(v.scalar) / div);
}

std::string clock(WallTime t, bool millis) {
  std::string s = formatWallTime("%H:%M:%S", t);
  if (millis) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  t.time_since_epoch()).count() % 1000;
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(ms < 0 ? ms + 1000 : ms));
    s += buf;
  }
  return s;
}

/// `[12:00:01, 12:00:02)`, with milliseconds when either bound needs them.
std::string windowSpan(WallTime start, WallTime end) {
  auto frac = [](WallTime t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               t.time_since_epoch()).count() % 1000 != 0;
  };
  bool millis = frac(start) || frac(end);
  return "[" + clock(start, millis) + ", " + clock(end, millis) + ")";
}

std::string lostNote(uint64_t lost) {
  return lost ? " (lost " + std::to_string(lost) + " events)" : std::string();
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

void TextOutput::printAttached(uint64_t probes) {
  out_ << "Attaching " << probes << (probes == 1 ? " probe...\n" : " probes...\n");
  out_.flush();
}

void TextOutput::printExitSeparator() { out_ << "\n\n"; }

void TextOutput::printMap(const MapDump &m, const PrintOptions &opts) {
  std::vector<const MapEntry *> es = orderedEntries(m, opts.top);
  if (es.empty()) {
    out_ << "\n";
    out_.flush();
    return;
  }
  switch (m.kind) {
  case MapValueKind::Hist:
  case MapValueKind::Lhist:
    for (const MapEntry *e : es) {
      out_ << m.name << keyText(e->key, symbolize_) << ": \n";
      out_ << renderHistText(m.kind == MapValueKind::Hist
                                 ? log2Rows(e->value.buckets)
                                 : linearRows(e->value.buckets, m.lhistMin,
                                              m.lhistMax, m.lhistStep));
      out_ << "\n";
    }
    break;
  case MapValueKind::Avg:
  case MapValueKind::Stats: {
    int64_t div = opts.div <= 1 ? 1 : static_cast<int64_t>(opts.div);
    for (const MapEntry *e : es) {
      out_ << m.name << keyText(e->key, symbolize_) << ": ";
      if (m.kind == MapValueKind::Avg)
        out_ << averageOf(e->value) / div << "\n";
      else
        out_ << "count " << e->value.count << ", average "
             << averageOf(e->value) / div << ", total " << e->value.total / div
             << "\n";
    }
    out_ << "\n";
    break;
  }
  default:
    for (const MapEntry *e : es)
      out_ << m.name << keyText(e->key, symbolize_) << ": "
           << scalarText(m, e->value, opts.div) << "\n";
    break;
  }
  out_.flush();
}

void TextOutput::printValue(const KeyPart &v) {
  switch (v.kind) {
  case KeyPart::Kind::Int: out_ << v.i; break;
  case KeyPart::Kind::Uint: out_ << v.u; break;
  case KeyPart::Kind::String: out_ << v.s; break;
  case KeyPart::Kind::Stack: out_ << renderStack(v.stack, v.userStack, 8, symbolize_); break;
  }
  out_ << "\n";
  out_.flush();
}

void TextOutput::printPrintf(std::string_view text) {
  out_ << text;
  out_.flush();
}

void TextOutput::printTime(std::string_view fmt, WallTime when) {
  out_ << formatWallTime(fmt, when);
  out_.flush();
}

void TextOutput::printWindow(const WindowRecord &w) {
  std::string head = w.map + keyText(w.key, symbolize_) + " window " +
                     windowSpan(w.start, w.end) + ":";
  switch (w.shape) {
  case WindowRecord::Shape::Number:
    out_ << head << " " << formatNumber(w.number) << w.unit << lostNote(w.lost) << "\n";
    break;
  case WindowRecord::Shape::Stats:
    out_ << head << " count " << w.value.count << ", average " << averageOf(w.value)
         << ", total " << w.value.total << lostNote(w.lost) << "\n";
    break;
  case WindowRecord::Shape::Hist:
  case WindowRecord::Shape::Lhist:
    // `@h: ` as bpftrace heads a histogram; the loss note replaces the space.
    out_ << head << (w.lost ? lostNote(w.lost) : " ") << "\n";
    out_ << renderHistText(w.shape == WindowRecord::Shape::Hist
                               ? log2Rows(w.value.buckets)
                               : linearRows(w.value.buckets, w.lhistMin,
                                            w.lhistMax, w.lhistStep));
    out_ << "\n";
    break;
  }
  out_.flush();
}

void TextOutput::printAlert(const AlertRecord &a) {
  std::string key;
  for (size_t i = 0; i < a.key.size(); ++i) {
    if (i)
      key += ",";
    const KeyPart &p = a.key[i];
    switch (p.kind) {
    case KeyPart::Kind::Int: key += std::to_string(p.i); break;
    case KeyPart::Kind::Uint: key += std::to_string(p.u); break;
    case KeyPart::Kind::String: key += p.s; break;
    case KeyPart::Kind::Stack: key += "<stack>"; break;
    }
  }
  out_ << "ALERT " << a.name << " " << alertStateName(a.state);
  if (!a.key.empty())
    out_ << " key=" << quoteIfNeeded(key);
  std::string unit;
  for (char ch : a.unit)
    if (ch != ' ')
      unit += ch; // "value=3 B/s" would split the field; "value=3B/s" does not
  out_ << " at=" << clock(a.at, false) << " value=" << formatNumber(a.value) << unit;
  if (a.repeats)
    out_ << " repeats=" << a.repeats;
  if (a.lost)
    out_ << " lost=" << a.lost;
  const AlertContext &c = a.context;
  if (c.present)
    out_ << " comm=" << quoteIfNeeded(c.comm) << " pid=" << c.pid
         << " ppid=" << c.ppid << " cgroup=" << c.cgroup;
  if (!a.summary.empty())
    out_ << ": " << a.summary;
  out_ << "\n";
  if (c.present && !c.kstack.empty())
    out_ << "  kstack:" << renderStack(c.kstack, false, 8, symbolize_);
  if (c.present && !c.ustack.empty())
    out_ << "  ustack:" << renderStack(c.ustack, true, 8, symbolize_);
  out_.flush();
}

void TextOutput::printLost(uint64_t count) {
  out_ << "Lost " << count << " events\n";
  out_.flush();
}

} // namespace obs::output
