//===- attach_point.cpp - splitting attach points into their fields -------===//
//
// The lexer hands over an attach point as one token ("kr:vfs_read",
// "uprobe:/bin/bash:readline+8", "profile:hz:99"). This file resolves the
// probe type and its aliases and splits the rest per the table in ast.h.
// Library names ("uprobe:libc:malloc") are kept as written: sema resolves
// them to paths.
//
//===----------------------------------------------------------------------===//
#include "lang/grammar/parser.h"

#include <string_view>

namespace obs {
namespace {

struct ProbeName {
  const char *name;
  ProbeKind kind;
};
const ProbeName kProbeNames[] = {
    {"BEGIN", ProbeKind::Begin},
    {"END", ProbeKind::End},
    {"tracepoint", ProbeKind::Tracepoint},
    {"t", ProbeKind::Tracepoint},
    {"rawtracepoint", ProbeKind::RawTracepoint},
    {"rt", ProbeKind::RawTracepoint},
    {"kprobe", ProbeKind::Kprobe},
    {"k", ProbeKind::Kprobe},
    {"kretprobe", ProbeKind::Kretprobe},
    {"kr", ProbeKind::Kretprobe},
    {"fentry", ProbeKind::Fentry},
    {"f", ProbeKind::Fentry},
    {"kfunc", ProbeKind::Fentry},
    {"fexit", ProbeKind::Fexit},
    {"fr", ProbeKind::Fexit},
    {"kretfunc", ProbeKind::Fexit},
    {"uprobe", ProbeKind::Uprobe},
    {"u", ProbeKind::Uprobe},
    {"uretprobe", ProbeKind::Uretprobe},
    {"ur", ProbeKind::Uretprobe},
    {"usdt", ProbeKind::Usdt},
    {"U", ProbeKind::Usdt},
    {"profile", ProbeKind::Profile},
    {"p", ProbeKind::Profile},
    {"interval", ProbeKind::Interval},
    {"i", ProbeKind::Interval},
    {"software", ProbeKind::Software},
    {"s", ProbeKind::Software},
    {"hardware", ProbeKind::Hardware},
    {"h", ProbeKind::Hardware},
};

/// Splits on ':' into at most `max` fields; the last field keeps the rest,
/// so C++ names such as "ns::f" survive in a uprobe function.
std::vector<std::string> split(std::string_view s, size_t max) {
  std::vector<std::string> out;
  while (out.size() + 1 < max) {
    size_t c = s.find(':');
    if (c == std::string_view::npos)
      break;
    out.emplace_back(s.substr(0, c));
    s.remove_prefix(c + 1);
  }
  out.emplace_back(s);
  return out;
}

bool parseNumber(std::string_view s, uint64_t &out) {
  if (s.empty())
    return false;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  uint64_t v = 0;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
      d = (c | 0x20) - 'a' + 10;
    else
      return false;
    if (v > (UINT64_MAX - d) / base)
      return false;
    v = v * base + d;
  }
  out = v;
  return true;
}

class Splitter {
public:
  Splitter(AttachPoint &ap, Diagnostics &diags) : ap_(ap), diags_(diags) {}

  bool run() {
    std::string_view text = ap_.text;
    size_t colon = text.find(':');
    std::string word(text.substr(0, colon));
    const ProbeName *pn = nullptr;
    for (const ProbeName &p : kProbeNames)
      if (word == p.name)
        pn = &p;
    if (!pn) {
      // Suggest full names only: one-letter aliases are close to everything.
      std::vector<std::string> names;
      for (const ProbeName &p : kProbeNames)
        if (std::string_view(p.name).size() > 2)
          names.push_back(p.name);
      diags_.report(DiagKind::unknown_probe_type, ap_.range, {word})
          .suggest(word, names);
      return false;
    }
    ap_.kind = pn->kind;
    std::string_view rest = colon == std::string_view::npos
                                ? std::string_view()
                                : text.substr(colon + 1);
    bool hasRest = colon != std::string_view::npos;
    switch (ap_.kind) {
    case ProbeKind::Begin:
    case ProbeKind::End: return !hasRest || bad(word + " takes no arguments");
    case ProbeKind::Tracepoint: {
      auto f = split(rest, 2);
      if (f.size() != 2 || f[0].empty() || f[1].empty())
        return bad("expected tracepoint:CATEGORY:EVENT");
      ap_.target = f[0];
      ap_.func = f[1];
      return true;
    }
    case ProbeKind::RawTracepoint:
    case ProbeKind::Fentry:
    case ProbeKind::Fexit: {
      auto f = split(rest, 2);
      if (f.size() == 2)
        ap_.target = f[0];
      ap_.func = f.back();
      if (ap_.func.empty() || (f.size() == 2 && f[0].empty()))
        return bad(std::string("expected ") + pn->name +
                   (ap_.kind == ProbeKind::RawTracepoint
                        ? ":EVENT"
                        : ":[MODULE:]FUNCTION"));
      return true;
    }
    case ProbeKind::Kprobe:
    case ProbeKind::Kretprobe: {
      auto f = split(rest, 2);
      if (f.size() == 2)
        ap_.target = f[0];
      if (!function(f.back(), ap_.kind == ProbeKind::Kprobe))
        return false;
      if (ap_.func.empty() || (f.size() == 2 && f[0].empty()))
        return bad(std::string("expected ") + pn->name + ":FUNCTION");
      return true;
    }
    case ProbeKind::Uprobe:
    case ProbeKind::Uretprobe: {
      auto f = split(rest, 2);
      if (f.size() != 2 || f[0].empty() || f[1].empty())
        return bad(std::string("expected ") + pn->name + ":BINARY:FUNCTION");
      ap_.target = f[0];
      uint64_t addr;
      if (f[1].size() > 2 && f[1][0] == '0' && (f[1][1] | 0x20) == 'x' &&
          parseNumber(f[1], addr)) {
        ap_.address = addr;
        ap_.hasAddress = true;
        return true;
      }
      return function(f[1], ap_.kind == ProbeKind::Uprobe);
    }
    case ProbeKind::Usdt: {
      auto f = split(rest, 3);
      for (const std::string &s : f)
        if (s.empty())
          return bad("expected usdt:BINARY:[PROVIDER:]NAME");
      if (f.size() < 2)
        return bad("expected usdt:BINARY:[PROVIDER:]NAME");
      ap_.target = f[0];
      if (f.size() == 3)
        ap_.provider = f[1];
      ap_.func = f.back();
      return true;
    }
    case ProbeKind::Profile:
    case ProbeKind::Interval: {
      auto f = split(rest, 2);
      if (f.size() != 2 || f[0].empty() || f[1].empty())
        return bad(std::string("expected ") + pn->name + ":UNIT:N, as in " +
                   pn->name +
                   (ap_.kind == ProbeKind::Profile ? ":hz:99" : ":s:1"));
      if (f[0] != "hz" && f[0] != "s" && f[0] != "ms" && f[0] != "us")
        return bad("unknown unit '" + f[0] + "'; expected hz, s, ms or us");
      ap_.target = f[0];
      if (!parseNumber(f[1], ap_.value))
        return bad("'" + f[1] + "' is not a number");
      if (ap_.value == 0)
        return bad("the period must be greater than zero");
      return true;
    }
    case ProbeKind::Software:
    case ProbeKind::Hardware: {
      auto f = split(rest, 2);
      if (!hasRest || f[0].empty())
        return bad(std::string("expected ") + pn->name + ":EVENT[:COUNT]");
      ap_.target = f[0];
      if (f.size() == 2 && !parseNumber(f[1], ap_.value))
        return bad("'" + f[1] + "' is not a number");
      return true;
    }
    }
    return bad("unsupported probe");
  }

private:
  bool bad(const std::string &why) {
    diags_.report(DiagKind::bad_attach_point, ap_.range, {ap_.text, why});
    return false;
  }

  /// FUNC or FUNC+OFFSET.
  bool function(const std::string &s, bool offsetAllowed) {
    size_t plus = s.find('+');
    if (plus == std::string::npos) {
      ap_.func = s;
      return true;
    }
    ap_.func = s.substr(0, plus);
    if (!offsetAllowed)
      return bad("return probes cannot take an offset");
    if (!parseNumber(std::string_view(s).substr(plus + 1), ap_.offset))
      return bad("bad offset '" + s.substr(plus + 1) + "'");
    ap_.hasOffset = true;
    return true;
  }

  AttachPoint &ap_;
  Diagnostics &diags_;
};

} // namespace

bool parseAttachPoint(AttachPoint &ap, Diagnostics &diags) {
  return Splitter(ap, diags).run();
}

} // namespace obs
