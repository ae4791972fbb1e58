//===- printer.cpp - entry order, stacks, time and JSON strings -----------===//
//
// The pieces both printers share. The print order is bpftrace's, observed
// on 0.17: scalar maps by value, string-valued maps by key, avg/stats and
// histograms by key and then by average or total count.
//
//===----------------------------------------------------------------------===//
#include "runtime/output/printer.h"

#include "lang/support/json_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>

namespace obs::output {

const char *alertStateName(AlertRecord::State s) {
  switch (s) {
  case AlertRecord::State::Pending: return "PENDING";
  case AlertRecord::State::Firing: return "FIRING";
  case AlertRecord::State::Resolved: return "RESOLVED";
  }
  return "UNKNOWN";
}

Exemplar exemplarFromKernel(const obs_exemplar &x, uint64_t originNs) {
  Exemplar e;
  e.present = true;
  e.comm.assign(x.comm, strnlen(x.comm, sizeof x.comm));
  e.pid = x.pid;
  e.tid = x.tid;
  e.ppid = x.ppid;
  e.uid = x.uid;
  e.gid = x.gid;
  e.cpu = x.cpu;
  e.cgroup = x.cgroup;
  e.tsNs = x.ts >= originNs ? x.ts - originNs : 0;
  e.kstackId = x.kstack_id;
  e.ustackId = x.ustack_id;
  return e;
}

std::vector<uint64_t> OutputFormat::exemplarFrames(const Exemplar &x,
                                                   bool user) const {
  const std::vector<uint64_t> &own = user ? x.ustack : x.kstack;
  int64_t id = user ? x.ustackId : x.kstackId;
  std::vector<uint64_t> frames = !own.empty() || id < 0 || !readStack_ ? own : readStack_(id);
  // Up to the first empty frame: a stack id the map no longer holds (or one
  // of no frames) reads as zeroes, and then there is no stack to print.
  size_t n = 0;
  while (n < frames.size() && frames[n])
    ++n;
  frames.resize(n);
  return frames;
}

OutputFormat::OutputFormat(std::ostream &out) : OutputFormat(out, std::cerr) {}

std::string renderStack(const std::vector<uint64_t> &frames, bool user,
                        uint32_t pid, contract::StackMode mode, unsigned indent,
                        const Symbolizer &symbolize) {
  auto hex = [](uint64_t a, bool prefix) {
    char buf[32];
    std::snprintf(buf, sizeof buf, prefix ? "0x%llx" : "%llx",
                  static_cast<unsigned long long>(a));
    return std::string(buf);
  };
  std::string out = "\n";
  for (uint64_t a : frames) {
    if (a == 0)
      break;
    if (mode == contract::StackMode::Raw) {
      out += hex(a, false) + "\n";
      continue;
    }
    SymbolQuery q;
    q.addr = a;
    q.user = user;
    q.pid = pid;
    // bpftrace 0.17's perf mode: `\t<hex> func+off`, user frames with
    // ` (module)`.
    q.module = mode == contract::StackMode::Perf && user;
    std::string name = symbolize ? symbolize(q) : hex(a, true);
    if (mode == contract::StackMode::Perf)
      out += "\t" + hex(a, false) + " " + name + "\n";
    else
      out += std::string(indent, ' ') + name + "\n";
  }
  return out;
}

std::string renderStack(const std::vector<uint64_t> &frames, bool user,
                        unsigned indent, const Symbolizer &symbolize) {
  return renderStack(frames, user, 0, contract::StackMode::Bpftrace, indent,
                     symbolize);
}

std::string renderStack(const KeyPart &stack, unsigned indent,
                        const Symbolizer &symbolize) {
  return renderStack(stack.stack, stack.userStack, stack.pid, stack.mode,
                     indent, symbolize);
}

int64_t averageOf(const MapValue &v) {
  if (v.count == 0)
    return 0;
  return v.total / static_cast<int64_t>(v.count);
}

/// Keys compare part by part; integers as unsigned 64-bit values (bpftrace
/// puts -2 after 3), strings bytewise.
bool keyLess(const std::vector<KeyPart> &a, const std::vector<KeyPart> &b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const KeyPart &x = a[i], &y = b[i];
    if (x.kind != y.kind)
      return x.kind < y.kind;
    switch (x.kind) {
    case KeyPart::Kind::Int:
      if (x.i != y.i)
        return static_cast<uint64_t>(x.i) < static_cast<uint64_t>(y.i);
      break;
    case KeyPart::Kind::Uint:
      if (x.u != y.u)
        return x.u < y.u;
      break;
    case KeyPart::Kind::String:
      if (x.s != y.s)
        return x.s < y.s;
      break;
    case KeyPart::Kind::Stack:
      if (x.stack != y.stack)
        return x.stack < y.stack;
      break;
    }
  }
  return a.size() < b.size();
}

std::vector<const MapEntry *> orderedEntries(const MapDump &map, uint64_t top) {
  std::vector<const MapEntry *> es;
  es.reserve(map.entries.size());
  for (const MapEntry &e : map.entries)
    es.push_back(&e);
  auto byKey = [](const MapEntry *a, const MapEntry *b) {
    return keyLess(a->key, b->key);
  };
  switch (map.kind) {
  case MapValueKind::Plain:
    if (!es.empty() && (es.front()->value.isString || es.front()->value.isTuple)) {
      std::stable_sort(es.begin(), es.end(), byKey);
      break;
    }
    [[fallthrough]];
  case MapValueKind::Count:
  case MapValueKind::Sum:
  case MapValueKind::Min:
  case MapValueKind::Max: {
    // bpftrace breaks ties in hash order; obs by key, so replays print the
    // same bytes every time.
    bool isSigned = map.kind != MapValueKind::Count && map.isSigned;
    std::stable_sort(es.begin(), es.end(), byKey);
    std::stable_sort(es.begin(), es.end(),
                     [&](const MapEntry *a, const MapEntry *b) {
                       if (isSigned)
                         return a->value.scalar < b->value.scalar;
                       return static_cast<uint64_t>(a->value.scalar) <
                              static_cast<uint64_t>(b->value.scalar);
                     });
    break;
  }
  case MapValueKind::Avg:
  case MapValueKind::Stats:
    std::stable_sort(es.begin(), es.end(), byKey);
    std::stable_sort(es.begin(), es.end(),
                     [](const MapEntry *a, const MapEntry *b) {
                       return averageOf(a->value) < averageOf(b->value);
                     });
    break;
  case MapValueKind::Hist:
  case MapValueKind::Lhist: {
    std::stable_sort(es.begin(), es.end(), byKey);
    std::stable_sort(es.begin(), es.end(),
                     [](const MapEntry *a, const MapEntry *b) {
                       uint64_t ta = 0, tb = 0;
                       for (uint64_t x : a->value.buckets)
                         ta += x;
                       for (uint64_t x : b->value.buckets)
                         tb += x;
                       return ta < tb;
                     });
    break;
  }
  }
  if (top != 0 && es.size() > top)
    es.erase(es.begin(), es.end() - static_cast<std::ptrdiff_t>(top));
  return es;
}

std::string formatWallTime(std::string_view fmt, WallTime when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::string f(fmt);
  if (f.empty())
    return {};
  // strftime returns 0 both for "too small" and for an empty result; grow a
  // few times, then give up with the empty string.
  for (size_t cap = 128; cap <= 65536; cap *= 8) {
    std::string buf(cap, '\0');
    size_t n = std::strftime(buf.data(), buf.size(), f.c_str(), &tm);
    if (n > 0) {
      buf.resize(n);
      return buf;
    }
  }
  return {};
}

std::string joinKeyParts(const std::vector<KeyPart> &key, std::string_view sep,
                         const Symbolizer &sym, unsigned stackIndent) {
  std::string s;
  for (size_t i = 0; i < key.size(); ++i) {
    if (i)
      s += sep;
    const KeyPart &p = key[i];
    switch (p.kind) {
    case KeyPart::Kind::Int: s += std::to_string(p.i); break;
    case KeyPart::Kind::Uint: s += std::to_string(p.u); break;
    case KeyPart::Kind::String: s += p.s; break;
    case KeyPart::Kind::Stack: s += renderStack(p, stackIndent, sym); break;
    }
  }
  return s;
}

std::string jsonString(std::string_view s) {
  std::string out;
  obs::appendJsonString(out, s);
  return out;
}

std::string formatNumber(double v) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v < 0 ? "-inf" : "inf";
  if (v == std::trunc(v) && std::fabs(v) < 1e18) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    return buf;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0')
    s.pop_back();
  if (!s.empty() && s.back() == '.')
    s.pop_back();
  if (s == "-0")
    s = "0";
  return s;
}

std::unique_ptr<OutputFormat> makeOutput(std::string_view format,
                                         std::ostream &out, std::ostream &err) {
  if (format == "text")
    return std::make_unique<TextOutput>(out, err);
  if (format == "json")
    return std::make_unique<JsonOutput>(out, err);
  return nullptr;
}

std::string formatQuantity(double v, Quantity q) {
  std::string rate = q.perSecond ? "/s" : "";
  double a = std::fabs(v);
  switch (q.base) {
  case Quantity::Plain:
  case Quantity::Count: return formatNumber(v) + rate;
  case Quantity::Duration: {
    static const struct {
      double ns;
      const char *unit;
    } units[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}, {1, "ns"}};
    for (const auto &u : units)
      if (a >= u.ns || u.ns == 1)
        return formatNumber(v / u.ns) + u.unit + rate;
    break;
  }
  case Quantity::Size: {
    static const char *const units[] = {"TB", "GB", "MB", "KB", "B"};
    double scale = 1099511627776.0; // 1 TB = 1024^4 bytes
    for (const char *u : units) {
      if (a >= scale || scale == 1)
        return formatNumber(v / scale) + u + rate;
      scale /= 1024;
    }
    break;
  }
  }
  return formatNumber(v) + rate;
}

std::string formatSeconds(uint64_t ns) {
  char buf[48];
  std::snprintf(
      buf, sizeof buf, "%llu.%03llus",
      static_cast<unsigned long long>(ns / 1000000000ULL),
      static_cast<unsigned long long>(ns % 1000000000ULL / 1000000ULL));
  return buf;
}

const char *jsonUnit(Quantity q) {
  switch (q.base) {
  case Quantity::Plain: return q.perSecond ? "/s" : "";
  case Quantity::Count: return q.perSecond ? "count/s" : "count";
  case Quantity::Size: return q.perSecond ? "bytes/s" : "bytes";
  case Quantity::Duration: return q.perSecond ? "ns/s" : "ns";
  }
  return "";
}

} // namespace obs::output
