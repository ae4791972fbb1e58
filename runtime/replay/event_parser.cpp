//===- event_parser.cpp - reading JSON-lines event files ------------------===//
//
// The general parser of one line (spec §15.1): any JSON, unknown keys
// skipped, escapes decoded, errors worded. parseEventLine tries the fast
// parser (fast_line.h) first and comes here for what it does not handle.
//
//===----------------------------------------------------------------------===//

#include "runtime/replay/events.h"
#include "runtime/replay/fast_line.h"

#include <cctype>
#include <cstring>

namespace obs::replay {

namespace {

/// A cursor over one line of JSON, specialised to the events schema.
class LineParser {
public:
  LineParser(std::string_view s, std::string &err) : s_(s), err_(err) {}

  bool fail(const char *msg) {
    if (err_.empty())
      err_ = std::string(msg) + " at column " + std::to_string(p_ + 1);
    return false;
  }
  void ws() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' ||
                              s_[p_] == '\r' || s_[p_] == '\n'))
      ++p_;
  }
  bool eat(char c) {
    ws();
    if (p_ < s_.size() && s_[p_] == c) {
      ++p_;
      return true;
    }
    return false;
  }
  char peek() {
    ws();
    return p_ < s_.size() ? s_[p_] : '\0';
  }
  bool atEnd() {
    ws();
    return p_ == s_.size();
  }

  static void utf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xc0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += char(0xe0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    } else {
      out += char(0xf0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3f));
      out += char(0x80 | ((cp >> 6) & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    }
  }

  bool hex4(uint32_t &v) {
    if (p_ + 4 > s_.size())
      return fail("truncated \\u escape");
    v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[p_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= uint32_t(c - 'A' + 10);
      else
        return fail("bad \\u escape");
    }
    return true;
  }

  bool string(std::string &out) {
    out.clear();
    if (!eat('"'))
      return fail("expected a string");
    for (;;) {
      size_t start = p_;
      while (p_ < s_.size() && s_[p_] != '"' && s_[p_] != '\\')
        ++p_;
      out.append(s_.data() + start, p_ - start);
      if (p_ >= s_.size())
        return fail("unterminated string");
      if (s_[p_] == '"') {
        ++p_;
        return true;
      }
      ++p_; // backslash
      if (p_ >= s_.size())
        return fail("unterminated string");
      char c = s_[p_++];
      switch (c) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t cp = 0;
        if (!hex4(cp))
          return false;
        if (cp >= 0xd800 && cp < 0xdc00 && p_ + 1 < s_.size() &&
            s_[p_] == '\\' && s_[p_ + 1] == 'u') {
          p_ += 2;
          uint32_t lo = 0;
          if (!hex4(lo))
            return false;
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        utf8(out, cp);
        break;
      }
      default: return fail("bad escape in string");
      }
    }
  }

  /// An integer; `neg` set for a leading minus. Rejects fractions.
  bool integer(uint64_t &mag, bool &neg) {
    ws();
    neg = p_ < s_.size() && s_[p_] == '-';
    if (neg)
      ++p_;
    if (p_ >= s_.size() || s_[p_] < '0' || s_[p_] > '9')
      return fail("expected an integer");
    mag = 0;
    while (p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '9') {
      uint64_t d = uint64_t(s_[p_++] - '0');
      if (mag > (UINT64_MAX - d) / 10)
        return fail("integer out of range");
      mag = mag * 10 + d;
    }
    if (p_ < s_.size() && (s_[p_] == '.' || s_[p_] == 'e' || s_[p_] == 'E'))
      return fail("expected an integer, not a fraction");
    return true;
  }
  bool u64(uint64_t &v) {
    bool neg;
    if (!integer(v, neg))
      return false;
    if (neg)
      return fail("expected a non-negative integer");
    return true;
  }
  bool u32(uint32_t &v) {
    uint64_t x;
    if (!u64(x))
      return false;
    if (x > UINT32_MAX)
      return fail("integer out of range");
    v = uint32_t(x);
    return true;
  }
  bool i64(int64_t &v) {
    uint64_t m;
    bool neg;
    if (!integer(m, neg))
      return false;
    if (neg && m > uint64_t(INT64_MAX) + 1)
      return fail("integer out of range");
    v = neg ? int64_t(0 - m)
            : int64_t(m); // large unsigned values wrap, as u64 bits
    return true;
  }
  bool boolean(int64_t &v) {
    ws();
    if (s_.substr(p_, 4) == "true") {
      p_ += 4;
      v = 1;
      return true;
    }
    if (s_.substr(p_, 5) == "false") {
      p_ += 5;
      v = 0;
      return true;
    }
    return fail("expected a value");
  }

  /// Any JSON value, skipped (unknown keys).
  bool skip(int depth = 0) {
    if (depth > 64)
      return fail("nesting too deep");
    char c = peek();
    if (c == '"') {
      std::string tmp;
      return string(tmp);
    }
    if (c == '{' || c == '[') {
      ++p_;
      return elements(c == '{' ? '}' : ']', [&] {
        std::string k;
        if (c == '{' && (!string(k) || !eat(':')))
          return fail("expected a key and ':'");
        return skip(depth + 1);
      });
    }
    if (s_.substr(p_, 4) == "null") {
      p_ += 4;
      return true;
    }
    if (s_.substr(p_, 4) == "true") {
      p_ += 4;
      return true;
    }
    if (s_.substr(p_, 5) == "false") {
      p_ += 5;
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      ++p_;
      while (p_ < s_.size() &&
             (isdigit((unsigned char)s_[p_]) || s_[p_] == '.' ||
              s_[p_] == 'e' || s_[p_] == 'E' || s_[p_] == '+' || s_[p_] == '-'))
        ++p_;
      return true;
    }
    return fail("expected a value");
  }

  bool value(ReplayValue &v) {
    char c = peek();
    if (c == '"') {
      v.kind = ReplayValue::Kind::String;
      return string(v.s);
    }
    if (c == '[') {
      ++p_;
      v.kind = ReplayValue::Kind::IntArray;
      v.array.clear();
      return elements(']', [&] {
        int64_t x = 0;
        if (!i64(x))
          return false;
        v.array.push_back(x);
        return true;
      });
    }
    v.kind = ReplayValue::Kind::Int;
    if (c == 't' || c == 'f')
      return boolean(v.i);
    return i64(v.i);
  }

  /// The elements of an array or object whose opening bracket was read,
  /// each read by `element`, separated by commas, up to `close`.
  template <typename Element> bool elements(char close, Element element) {
    if (eat(close))
      return true;
    for (;;) {
      if (!element())
        return false;
      if (eat(','))
        continue;
      if (eat(close))
        return true;
      return fail(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }

  bool args(ReplayEvent &ev) {
    char c = peek();
    if (c == '{') {
      ++p_;
      ev.positionalArgs = false;
      return elements('}', [&] {
        ev.args.emplace_back();
        if (!string(ev.args.back().name) || !eat(':'))
          return fail("expected an argument name and ':'");
        return value(ev.args.back().value);
      });
    }
    if (c == '[') {
      ++p_;
      ev.positionalArgs = true;
      return elements(']', [&] {
        ev.args.emplace_back();
        return value(ev.args.back().value);
      });
    }
    return fail("'args' must be an object or an array");
  }

  bool stack(std::vector<std::string> &out) {
    if (!eat('['))
      return fail("a stack must be an array of strings");
    return elements(']', [&] {
      out.emplace_back();
      return string(out.back());
    });
  }

  bool event(ReplayEvent &ev) {
    if (!eat('{'))
      return fail("expected '{'");
    bool haveProbe = false, haveTs = false, haveTid = false,
         haveWatermark = false;
    bool fields = elements('}', [&] {
      if (!string(key_) || !eat(':'))
        return fail("expected a key and ':'");
      bool ok = true;
      const std::string &k = key_;
      if (k == "probe")
        ok = string(ev.probe), haveProbe = true;
      else if (k == "ts")
        ok = u64(ev.ts), haveTs = true;
      else if (k == "cpu")
        ok = u32(ev.cpu);
      else if (k == "pid")
        ok = u32(ev.pid);
      else if (k == "tid")
        ok = u32(ev.tid), haveTid = true;
      else if (k == "ppid")
        ok = u32(ev.ppid);
      else if (k == "uid")
        ok = u32(ev.uid);
      else if (k == "gid")
        ok = u32(ev.gid);
      else if (k == "cgroup")
        ok = u64(ev.cgroup);
      else if (k == "comm")
        ok = string(ev.comm);
      else if (k == "args")
        ok = args(ev);
      else if (k == "retval")
        ok = i64(ev.retval), ev.hasRetval = true;
      else if (k == "kstack")
        ok = stack(ev.kstack);
      else if (k == "ustack")
        ok = stack(ev.ustack);
      else if (k == "watermark")
        ok = u64(ev.ts), haveWatermark = true;
      else
        ok = skip();
      return ok;
    });
    if (!fields)
      return false;
    if (!atEnd())
      return fail("text after the object");
    if (haveWatermark && !haveProbe) {
      ev.watermarkOnly = true;
      return true;
    }
    if (!haveProbe) {
      err_ = "missing \"probe\"";
      return false;
    }
    if (!haveTs) {
      err_ = "missing \"ts\"";
      return false;
    }
    if (!haveTid)
      ev.tid = ev.pid;
    return true;
  }

private:
  std::string_view s_;
  size_t p_ = 0;
  std::string &err_;
  std::string key_;
};

} // namespace

bool parseEventLine(std::string_view line, ReplayEvent &ev,
                    std::string &error) {
  error.clear();
  if (detail::FastLine(line).event(ev))
    return true;
  ev.reset();
  LineParser p(line, error);
  return p.event(ev);
}

} // namespace obs::replay
