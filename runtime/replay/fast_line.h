//===- fast_line.h - the fast parser of one event line (internal) ---------===//
//
// Scans the shape event files have (what `obsc record` writes, keys in any
// order): the known keys, integers, strings without escapes, integer
// arrays. It reuses the event's strings and arguments, so a line costs no
// allocation. Anything else (an escape, an unknown key, a fraction, a
// repeated key, an error) it leaves to the general parser
// (event_parser.cpp), which reads any JSON and words the errors.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/replay/events.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace obs::replay::detail {

/// What a value of a line sets; the order of the keys' bits in FastLine.
enum class ShapeTarget : uint8_t {
  Probe,
  Ts,
  Cpu,
  Pid,
  Tid,
  Ppid,
  Uid,
  Gid,
  Cgroup,
  Comm,
  Args,
  Retval,
  Kstack,
  Ustack,
  Watermark,
  Arg ///< a value in "args"
};

/// A value the fast parser read: its target and where it was in the line
/// (a string without its quotes; an array or a stack from '[' to ']').
struct RecordedValue {
  ShapeTarget target;
  uint32_t arg; ///< Arg: index in ReplayEvent::args
  const char *begin, *end;
};
using ValueRecorder = std::vector<RecordedValue>;

/// The fast parser: false means "not handled here" (the general parser
/// then reads the line from scratch and says what is wrong, if anything).
/// With a recorder, it notes where each value was, so that the reader can
/// learn the line's shape (event_reader.cpp).
class FastLine {
public:
  explicit FastLine(std::string_view s, ValueRecorder *rec = nullptr)
      : p_(s.data()), e_(s.data() + s.size()), rec_(rec) {}

  bool event(ReplayEvent &ev) {
    if (!eat('{'))
      return false;
    uint32_t seen = 0;
    ev.ts = 0;
    ev.cpu = ev.pid = ev.ppid = ev.uid = ev.gid = 0;
    ev.cgroup = 0;
    ev.hasRetval = false;
    ev.retval = 0;
    ev.positionalArgs = false;
    ev.watermarkOnly = false;
    ev.shape = 0;
    size_t nargs = 0, nk = 0, nu = 0;
    if (!eat('}')) {
      for (;;) {
        std::string_view k;
        if (!string(k) || !eat(':'))
          return false;
        int bit = keyBit(k);
        if (bit < 0 || (seen >> bit & 1))
          return false; // unknown or repeated: the general parser
        seen |= 1u << bit;
        bool ok = true;
        ws();
        const char *at = p_;
        switch (Key(bit)) {
        case Key::Probe: ok = assign(ev.probe); break;
        case Key::Ts: ok = u64(ev.ts); break;
        case Key::Cpu: ok = u32(ev.cpu); break;
        case Key::Pid: ok = u32(ev.pid); break;
        case Key::Tid: ok = u32(ev.tid); break;
        case Key::Ppid: ok = u32(ev.ppid); break;
        case Key::Uid: ok = u32(ev.uid); break;
        case Key::Gid: ok = u32(ev.gid); break;
        case Key::Cgroup: ok = u64(ev.cgroup); break;
        case Key::Comm: ok = assign(ev.comm); break;
        case Key::Args: ok = args(ev, nargs); break;
        case Key::Retval: ok = i64(ev.retval), ev.hasRetval = true; break;
        case Key::Kstack: ok = stack(ev.kstack, nk); break;
        case Key::Ustack: ok = stack(ev.ustack, nu); break;
        case Key::Watermark: ok = u64(ev.ts); break;
        }
        if (rec_ && ok && Key(bit) != Key::Args)
          note(ShapeTarget(bit), 0, at);
        if (!ok)
          return false;
        if (eat(','))
          continue;
        if (eat('}'))
          break;
        return false;
      }
    }
    ws();
    if (p_ != e_)
      return false;
    if (seen == 1u << int(Key::Watermark)) {
      ev.watermarkOnly = true;
    } else if (!(seen >> int(Key::Probe) & 1) || !(seen >> int(Key::Ts) & 1) ||
               (seen >> int(Key::Watermark) & 1)) {
      return false;
    }
    if (!(seen >> int(Key::Comm) & 1))
      ev.comm.clear();
    if (!(seen >> int(Key::Probe) & 1))
      ev.probe.clear();
    if (!(seen >> int(Key::Tid) & 1))
      ev.tid = ev.pid;
    ev.args.resize(nargs);
    ev.kstack.resize(nk);
    ev.ustack.resize(nu);
    return true;
  }

private:
  using Key = ShapeTarget;
  static int keyBit(std::string_view k) {
    switch (k.size()) {
    case 2: return k == "ts" ? int(Key::Ts) : -1;
    case 3:
      return k == "cpu"   ? int(Key::Cpu)
             : k == "pid" ? int(Key::Pid)
             : k == "tid" ? int(Key::Tid)
             : k == "uid" ? int(Key::Uid)
             : k == "gid" ? int(Key::Gid)
                          : -1;
    case 4:
      return k == "comm"   ? int(Key::Comm)
             : k == "args" ? int(Key::Args)
             : k == "ppid" ? int(Key::Ppid)
                           : -1;
    case 5: return k == "probe" ? int(Key::Probe) : -1;
    case 6:
      return k == "cgroup"   ? int(Key::Cgroup)
             : k == "retval" ? int(Key::Retval)
             : k == "kstack" ? int(Key::Kstack)
             : k == "ustack" ? int(Key::Ustack)
                             : -1;
    case 9: return k == "watermark" ? int(Key::Watermark) : -1;
    default: return -1;
    }
  }

  void ws() {
    while (p_ != e_ &&
           (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n'))
      ++p_;
  }
  bool eat(char c) {
    ws();
    if (p_ != e_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  char peek() {
    ws();
    return p_ != e_ ? *p_ : '\0';
  }
  /// A string with no escape, as a view into the line.
  bool string(std::string_view &out) {
    if (!eat('"'))
      return false;
    const char *s = p_;
    while (p_ != e_ && *p_ != '"') {
      if (*p_ == '\\')
        return false;
      ++p_;
    }
    if (p_ == e_)
      return false;
    out = std::string_view(s, size_t(p_ - s));
    ++p_;
    return true;
  }
  bool assign(std::string &out) {
    std::string_view v;
    if (!string(v))
      return false;
    out.assign(v.data(), v.size());
    return true;
  }
  /// Up to 19 digits (no overflow possible); more, a fraction or an
  /// exponent: the general parser.
  bool digits(uint64_t &v) {
    const char *s = p_;
    uint64_t x = 0;
    while (p_ != e_ && unsigned(*p_ - '0') < 10)
      x = x * 10 + unsigned(*p_++ - '0');
    if (p_ == s || p_ - s > 19)
      return false;
    if (p_ != e_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E'))
      return false;
    v = x;
    return true;
  }
  bool u64(uint64_t &v) {
    ws();
    return digits(v);
  }
  bool u32(uint32_t &v) {
    uint64_t x;
    if (!u64(x) || x > UINT32_MAX)
      return false;
    v = uint32_t(x);
    return true;
  }
  bool i64(int64_t &v) {
    ws();
    bool neg = p_ != e_ && *p_ == '-';
    if (neg)
      ++p_;
    uint64_t m;
    if (!digits(m) || (neg && m > uint64_t(INT64_MAX) + 1))
      return false;
    v = neg ? int64_t(0 - m) : int64_t(m); // large values wrap, as u64 bits
    return true;
  }
  bool value(ReplayValue &v) {
    char c = peek();
    if (c == '"') {
      v.kind = ReplayValue::Kind::String;
      v.i = 0;
      v.array.clear();
      return assign(v.s);
    }
    v.s.clear();
    if (c == '[') {
      ++p_;
      v.kind = ReplayValue::Kind::IntArray;
      v.i = 0;
      v.array.clear();
      if (eat(']'))
        return true;
      for (;;) {
        int64_t x;
        if (!i64(x))
          return false;
        v.array.push_back(x);
        if (eat(','))
          continue;
        return eat(']');
      }
    }
    v.kind = ReplayValue::Kind::Int;
    v.array.clear();
    return i64(v.i);
  }
  ReplayArg &nextArg(ReplayEvent &ev, size_t &n) {
    if (n == ev.args.size())
      ev.args.emplace_back();
    return ev.args[n++];
  }
  bool args(ReplayEvent &ev, size_t &n) {
    char c = peek();
    if (c != '{' && c != '[')
      return false;
    ++p_;
    bool named = c == '{';
    ev.positionalArgs = !named;
    if (eat(named ? '}' : ']'))
      return true;
    for (;;) {
      ReplayArg &a = nextArg(ev, n);
      if (named) {
        std::string_view k;
        if (!string(k) || !eat(':'))
          return false;
        a.name.assign(k.data(), k.size());
      } else {
        a.name.clear();
      }
      ws();
      const char *at = p_;
      if (!value(a.value))
        return false;
      if (rec_)
        note(ShapeTarget::Arg, uint32_t(n - 1), at);
      if (eat(','))
        continue;
      return eat(named ? '}' : ']');
    }
  }
  bool stack(std::vector<std::string> &out, size_t &n) {
    if (!eat('['))
      return false;
    if (eat(']'))
      return true;
    for (;;) {
      if (n == out.size())
        out.emplace_back();
      if (!assign(out[n++]))
        return false;
      if (eat(','))
        continue;
      return eat(']');
    }
  }

  /// A value parsed from `at` to here: strings without their quotes.
  void note(ShapeTarget t, uint32_t arg, const char *at) {
    const char *end = p_;
    if (*at == '"') {
      ++at;
      --end;
    }
    rec_->push_back({t, arg, at, end});
  }

  const char *p_, *e_;
  ValueRecorder *rec_;
};

} // namespace obs::replay::detail
