//===- stream.cpp - synthetic event streams for rule tests
//-----------------===//

#include "runtime/replay/stream.h"

#include <cctype>
#include <cmath>
#include <map>

namespace obs::replay {
namespace {

struct Token {
  enum Kind {
    End,
    Attach,
    Int,
    Quantity,
    Rate,
    String,
    Ident,
    Dot,
    DotDot,
    Eq,
    Comma,
    Plus,
    Minus,
    Colon
  } kind = End;
  size_t col = 0;
  std::string text;
  // Int, Quantity: value in base units (ns, bytes); Rate: per second.
  long double num = 0;
  enum Base {
    Plain,
    Duration,
    Size
  } base = Plain; ///< Quantity, Rate numerator
  bool integral = true;
};

bool durationUnit(std::string_view u, long double &ns) {
  if (u == "ns")
    ns = 1;
  else if (u == "us")
    ns = 1e3L;
  else if (u == "ms")
    ns = 1e6L;
  else if (u == "s")
    ns = 1e9L;
  else if (u == "m" || u == "min")
    ns = 60e9L;
  else if (u == "h")
    ns = 3600e9L;
  else if (u == "d")
    ns = 86400e9L;
  else
    return false;
  return true;
}

bool sizeUnit(std::string_view u, long double &bytes) {
  if (u == "B")
    bytes = 1;
  else if (u == "KB" || u == "KiB")
    bytes = 1024.0L;
  else if (u == "MB" || u == "MiB")
    bytes = 1048576.0L;
  else if (u == "GB" || u == "GiB")
    bytes = 1073741824.0L;
  else if (u == "TB" || u == "TiB")
    bytes = 1099511627776.0L;
  else
    return false;
  return true;
}

class Parser {
public:
  Parser(std::string_view s, const StreamOptions &o, std::string &err)
      : s_(s), opts_(o), err_(err) {}

  bool parse(Stream &out);

private:
  bool error(size_t col, const std::string &msg) {
    if (err_.empty())
      err_ = "stream:1:" + std::to_string(col + 1) + ": error: " + msg;
    return false;
  }
  bool lex(Token &t);
  bool advance() { return lex(tok_); }
  bool isWord(const char *w) const {
    return tok_.kind == Token::Ident && tok_.text == w;
  }
  bool duration(uint64_t &ns, const char *what);
  bool rate(long double &perSec, Token::Base &base);
  bool source(StreamSource &src);
  bool field(StreamField &f);
  bool constant(int64_t &v, Token::Base &base);

  std::string_view s_;
  const StreamOptions &opts_;
  std::string &err_;
  size_t p_ = 0;
  Token tok_;
  std::string lastProbe_;
  std::map<std::string, std::vector<StreamField>> lastFields_;
};

bool Parser::lex(Token &t) {
  while (p_ < s_.size() && std::isspace((unsigned char)s_[p_]))
    ++p_;
  t = Token{};
  t.col = p_;
  if (p_ >= s_.size())
    return true;
  char c = s_[p_];
  auto isIdent = [](char c) {
    return std::isalnum((unsigned char)c) || c == '_';
  };
  if (std::isalpha((unsigned char)c) || c == '_') {
    size_t q = p_;
    while (q < s_.size() && isIdent(s_[q]))
      ++q;
    if (q < s_.size() && s_[q] == ':') {
      // An attach point runs to white space or a comma.
      while (q < s_.size() && !std::isspace((unsigned char)s_[q]) &&
             s_[q] != ',')
        ++q;
      t.kind = Token::Attach;
    } else {
      t.kind = Token::Ident;
    }
    t.text = std::string(s_.substr(p_, q - p_));
    p_ = q;
    return true;
  }
  if (std::isdigit((unsigned char)c)) {
    size_t q = p_;
    while (q < s_.size() && std::isdigit((unsigned char)s_[q]))
      ++q;
    if (q + 1 < s_.size() && s_[q] == '.' &&
        std::isdigit((unsigned char)s_[q + 1])) {
      t.integral = false;
      ++q;
      while (q < s_.size() && std::isdigit((unsigned char)s_[q]))
        ++q;
    }
    t.num = std::strtold(std::string(s_.substr(p_, q - p_)).c_str(), nullptr);
    size_t u = q;
    while (u < s_.size() && std::isalpha((unsigned char)s_[u]))
      ++u;
    std::string unit(s_.substr(q, u - q));
    long double scale = 1;
    t.kind = Token::Int;
    if (!unit.empty()) {
      if (durationUnit(unit, scale)) {
        t.base = Token::Duration;
      } else if (sizeUnit(unit, scale)) {
        t.base = Token::Size;
      } else {
        return error(q, "unknown unit '" + unit +
                            "'; use ns us ms s m min h d or B KB MB GB TB");
      }
      t.kind = Token::Quantity;
      t.num *= scale;
    }
    if (u < s_.size() && s_[u] == '/') {
      size_t w = u + 1;
      while (w < s_.size() && std::isalpha((unsigned char)s_[w]))
        ++w;
      std::string per(s_.substr(u + 1, w - u - 1));
      long double ns;
      if (t.base == Token::Duration || !durationUnit(per, ns))
        return error(
            u,
            "a rate is a count or a size per time unit, as in 100/s or 1MB/s");
      t.kind = Token::Rate;
      t.num = t.num * 1e9L / ns;
      u = w;
    }
    t.text = std::string(s_.substr(p_, u - p_));
    p_ = u;
    return true;
  }
  if (c == '"') {
    ++p_;
    t.kind = Token::String;
    while (p_ < s_.size() && s_[p_] != '"') {
      if (s_[p_] == '\\' && p_ + 1 < s_.size()) {
        char e = s_[++p_];
        t.text += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        t.text += s_[p_];
      }
      ++p_;
    }
    if (p_ >= s_.size())
      return error(t.col, "unterminated string");
    ++p_;
    return true;
  }
  ++p_;
  switch (c) {
  case '.':
    if (p_ < s_.size() && s_[p_] == '.') {
      ++p_;
      t.kind = Token::DotDot;
    } else {
      t.kind = Token::Dot;
    }
    return true;
  case '=': t.kind = Token::Eq; return true;
  case ',': t.kind = Token::Comma; return true;
  case '+': t.kind = Token::Plus; return true;
  case '-': t.kind = Token::Minus; return true;
  case ':': t.kind = Token::Colon; return true;
  default: return error(t.col, std::string("unexpected character '") + c + "'");
  }
}

bool Parser::duration(uint64_t &ns, const char *what) {
  if (tok_.kind != Token::Quantity || tok_.base != Token::Duration)
    return error(tok_.col, std::string("expected a duration ") + what +
                               ", like 10s or 500ms");
  if (tok_.num >= 1e18L)
    return error(tok_.col, "duration too long");
  ns = uint64_t(std::llround(tok_.num));
  return advance();
}

bool Parser::rate(long double &perSec, Token::Base &base) {
  if (tok_.kind != Token::Rate)
    return error(tok_.col, "expected a rate, like 100/s");
  perSec = tok_.num;
  base = tok_.base;
  if (base == Token::Plain && perSec > 1e9L)
    return error(
        tok_.col,
        "event rates are at most 1000000000/s (one event a nanosecond)");
  if (perSec > 9e18L)
    return error(tok_.col, "rate too large");
  return advance();
}

bool Parser::constant(int64_t &v, Token::Base &base) {
  bool neg = false;
  size_t col = tok_.col;
  if (tok_.kind == Token::Minus) {
    neg = true;
    if (!advance())
      return false;
  }
  if (tok_.kind != Token::Int && tok_.kind != Token::Quantity)
    return error(
        col, "expected a value: an integer, a quantity like 4KB, or a string");
  if (tok_.kind == Token::Int && !tok_.integral)
    return error(col, "field values are integers");
  long double x = std::nearbyint(tok_.num);
  if (x > 9.2e18L)
    return error(col, "value out of range");
  v = neg ? -int64_t(x) : int64_t(x);
  base = tok_.kind == Token::Quantity ? tok_.base : Token::Plain;
  return advance();
}

bool Parser::field(StreamField &f) {
  size_t col = tok_.col;
  std::string name = tok_.text;
  if (!advance())
    return false;
  while (tok_.kind == Token::Dot) {
    if (!advance())
      return false;
    if (tok_.kind != Token::Ident)
      return error(tok_.col, "expected a field name after '.'");
    name += "." + tok_.text;
    if (!advance())
      return false;
  }
  if (tok_.kind != Token::Eq)
    return error(tok_.col, "expected '=' after field name '" + name + "'");
  if (!advance())
    return false;

  static const char *builtins[] = {"pid",  "tid",    "ppid", "uid",   "gid",
                                   "comm", "cgroup", "cpu",  "retval"};
  f = StreamField{};
  f.name = name;
  f.target = StreamField::Target::ArgName;
  for (const char *b : builtins)
    if (name == b)
      f.target = StreamField::Target::Builtin;
  if (name.rfind("args.", 0) == 0) {
    f.name = name.substr(5);
  } else if (name.size() > 3 && name.rfind("arg", 0) == 0 &&
             name.find_first_not_of("0123456789", 3) == std::string::npos) {
    f.target = StreamField::Target::ArgIndex;
    f.index = uint32_t(std::stoul(name.substr(3)));
  } else if (name.find('.') != std::string::npos) {
    return error(col, "unknown field '" + name +
                          "'; use a builtin, args.NAME or argK");
  }

  if (tok_.kind == Token::String) {
    f.kind = StreamField::Kind::String;
    f.s = tok_.text;
    if (f.target == StreamField::Target::Builtin && f.name != "comm")
      return error(tok_.col, "'" + f.name + "' is a number, not a string");
    return advance();
  }
  if (f.target == StreamField::Target::Builtin && f.name == "comm")
    return error(tok_.col, "'comm' is a string, as in comm=\"bash\"");
  Token::Base base;
  if (!constant(f.a, base))
    return false;
  if (tok_.kind == Token::DotDot) {
    if (!advance())
      return false;
    Token::Base b2;
    size_t c2 = tok_.col;
    if (!constant(f.b, b2))
      return false;
    if (f.b < f.a)
      return error(c2, "a range A..B needs B >= A");
    f.kind = StreamField::Kind::Range;
    return true;
  }
  if (tok_.kind == Token::Plus) {
    if (!advance())
      return false;
    size_t c2 = tok_.col;
    Token::Base rb;
    if (!rate(f.rate, rb))
      return false;
    if (rb != base && !(rb == Token::Plain && base == Token::Plain))
      return error(
          c2, "the growth rate must have the value's unit, as in 100MB+1MB/s");
    f.kind = StreamField::Kind::Growth;
    return true;
  }
  f.kind = StreamField::Kind::Constant;
  return true;
}

bool Parser::source(StreamSource &src) {
  if (tok_.kind == Token::Attach) {
    src.probe = tok_.text;
    if (!advance())
      return false;
  } else if (!lastProbe_.empty()) {
    src.probe = lastProbe_;
  } else if (!opts_.defaultProbe.empty()) {
    src.probe = opts_.defaultProbe;
  } else {
    return error(tok_.col,
                 "this stream names no probe and the program has no single "
                 "probe to default to; start with one, as in "
                 "tracepoint:sched:sched_process_fork 100/s");
  }
  lastProbe_ = src.probe;
  Token::Base base;
  size_t col = tok_.col;
  if (!rate(src.rateFrom, base))
    return false;
  if (base != Token::Plain)
    return error(col, "an event rate is a count per time unit, like 100/s");
  src.rateTo = src.rateFrom;
  if (isWord("to")) {
    if (!advance())
      return false;
    col = tok_.col;
    if (!rate(src.rateTo, base))
      return false;
    if (base != Token::Plain)
      return error(col, "an event rate is a count per time unit, like 100/s");
  }
  if (isWord("with")) {
    if (!advance())
      return false;
    if (tok_.kind != Token::Ident || isWord("and") || isWord("for"))
      return error(tok_.col, "expected a field after 'with', as in pid=42");
    bool named = false, positional = false;
    while (tok_.kind == Token::Ident && !isWord("and") && !isWord("for")) {
      src.fields.emplace_back();
      if (!field(src.fields.back()))
        return false;
      const StreamField &nf = src.fields.back();
      if (nf.target == StreamField::Target::ArgIndex)
        positional = true;
      else if (nf.target == StreamField::Target::ArgName)
        named = true;
    }
    if (named && positional)
      return error(
          col,
          "a source sets arguments by name or by position (argK), not both");
    lastFields_[src.probe] = src.fields;
  } else {
    auto it = lastFields_.find(src.probe);
    if (it != lastFields_.end())
      src.fields = it->second;
  }
  return true;
}

bool Parser::parse(Stream &out) {
  out = Stream{};
  if (!advance())
    return false;
  uint64_t t = 0;
  if (isWord("at")) {
    if (!advance() || !duration(t, "after 'at'"))
      return false;
    if (tok_.kind != Token::Colon)
      return error(tok_.col, "expected ':' after the start time");
    if (!advance())
      return false;
  }
  for (;;) {
    StreamPhase ph;
    ph.startNs = t;
    for (;;) {
      ph.sources.emplace_back();
      if (!source(ph.sources.back()))
        return false;
      if (!isWord("and"))
        break;
      if (!advance())
        return false;
    }
    if (!isWord("for"))
      return error(tok_.col,
                   "expected 'for' and the phase's duration, as in for 10s");
    if (!advance() || !duration(ph.durationNs, "after 'for'"))
      return false;
    t += ph.durationNs;
    out.phases.push_back(std::move(ph));
    if (tok_.kind == Token::End)
      break;
    if (tok_.kind != Token::Comma)
      return error(tok_.col, "expected ', then' before the next phase");
    if (!advance())
      return false;
    if (!isWord("then"))
      return error(tok_.col, "expected 'then' after ','");
    if (!advance())
      return false;
  }
  out.endNs = t;
  return true;
}

} // namespace

bool parseStream(std::string_view text, const StreamOptions &opts, Stream &out,
                 std::string &error) {
  error.clear();
  Parser p(text, opts, error);
  return p.parse(out);
}

StreamGenerator::StreamGenerator(const Stream &s) : stream_(s) {}

bool StreamGenerator::eventTime(const StreamSource &s, uint64_t i,
                                uint64_t durationNs, uint64_t &offset) const {
  long double r0 = s.rateFrom, r1 = s.rateTo;
  if (r0 == r1) {
    if (r0 <= 0)
      return false;
    uint64_t ri = uint64_t(r0);
    if ((long double)ri == r0) {
      // Integer rate: ⌊i·10^9 / r⌋ exactly.
      unsigned __int128 x = (unsigned __int128)i * 1000000000u / ri;
      if (x >= durationNs)
        return false;
      offset = uint64_t(x);
      return true;
    }
    long double x = std::floor((long double)i * 1e9L / r0);
    if (x >= (long double)durationNs)
      return false;
    offset = uint64_t(x);
    return true;
  }
  // A ramp: N(t) = r0·t + a·t², a = (r1 − r0) / 2D; event i where N(t) = i.
  if (i == 0) {
    offset = 0;
    return durationNs > 0 && (r0 > 0 || r1 > 0);
  }
  long double D = (long double)durationNs / 1e9L;
  long double a = (r1 - r0) / (2 * D);
  long double disc = r0 * r0 + 4 * a * (long double)i;
  if (disc < 0)
    return false;
  long double den = r0 + std::sqrt(disc);
  if (den <= 0)
    return false;
  long double t = 2 * (long double)i / den;
  long double x = std::floor(t * 1e9L);
  if (x >= (long double)durationNs)
    return false;
  offset = uint64_t(x);
  return true;
}

bool StreamGenerator::startPhase() {
  while (phase_ < stream_.phases.size()) {
    const StreamPhase &ph = stream_.phases[phase_];
    index_.assign(ph.sources.size(), 0);
    nextTs_.assign(ph.sources.size(), UINT64_MAX);
    bool any = false;
    for (size_t k = 0; k < ph.sources.size(); ++k) {
      uint64_t off;
      if (eventTime(ph.sources[k], 0, ph.durationNs, off)) {
        nextTs_[k] = ph.startNs + off;
        any = true;
      }
    }
    if (any) {
      compiled_.resize(ph.sources.size());
      for (size_t k = 0; k < ph.sources.size(); ++k)
        compile(ph.sources[k], compiled_[k]);
      return true;
    }
    ++phase_;
  }
  return false;
}

namespace {

using Slot = StreamGenerator::Slot;

bool builtinSlot(const std::string &n, Slot &slot) {
  static const std::pair<const char *, Slot::Kind> names[] = {
      {"pid", Slot::Kind::Pid},   {"tid", Slot::Kind::Tid},
      {"ppid", Slot::Kind::Ppid}, {"uid", Slot::Kind::Uid},
      {"gid", Slot::Kind::Gid},   {"cgroup", Slot::Kind::Cgroup},
      {"cpu", Slot::Kind::Cpu},   {"retval", Slot::Kind::Retval},
      {"comm", Slot::Kind::Comm}};
  for (const auto &[name, kind] : names)
    if (n == name) {
      slot.kind = kind;
      return true;
    }
  return false;
}

/// A growth rate that is a positive integer, else 0.
uint64_t integerRate(long double r) {
  if (!(r >= 1 && r < 1e18L))
    return 0;
  uint64_t n = uint64_t(r);
  return (long double)n == r ? n : 0;
}

/// Field f's value for event i at ts, in a phase starting at t0; `intRate`
/// is integerRate(f.rate).
int64_t fieldValue(const StreamField &f, uint64_t intRate, uint64_t i,
                   uint64_t ts, uint64_t t0) {
  switch (f.kind) {
  case StreamField::Kind::Constant: return f.a;
  case StreamField::Kind::Range:
    return f.a + int64_t(i % uint64_t(f.b - f.a + 1));
  case StreamField::Kind::Growth: {
    uint64_t dt = ts - t0;
    // An integer rate and a product that fits: exactly the long double
    // result (a quotient of integers that is not an integer is further
    // from one than the rounding), without the x87.
    if (intRate && dt <= (uint64_t(1) << 62) / intRate)
      return f.a + int64_t(intRate * dt / 1000000000u);
    return f.a + int64_t(std::floor(f.rate * (long double)dt / 1e9L));
  }
  case StreamField::Kind::String: break;
  }
  return 0;
}

void store(ReplayEvent &ev, const Slot &slot, int64_t v) {
  switch (slot.kind) {
  case Slot::Kind::Pid: ev.pid = uint32_t(v); break;
  case Slot::Kind::Tid: ev.tid = uint32_t(v); break;
  case Slot::Kind::Ppid: ev.ppid = uint32_t(v); break;
  case Slot::Kind::Uid: ev.uid = uint32_t(v); break;
  case Slot::Kind::Gid: ev.gid = uint32_t(v); break;
  case Slot::Kind::Cgroup: ev.cgroup = uint64_t(v); break;
  case Slot::Kind::Cpu: ev.cpu = uint32_t(v); break;
  case Slot::Kind::Retval: ev.retval = v; break;
  case Slot::Kind::Comm: break;
  case Slot::Kind::Arg: ev.args[slot.arg].value.i = v; break;
  }
}

bool sameSlot(const Slot &a, const Slot &b) {
  return a.kind == b.kind && (a.kind != Slot::Kind::Arg || a.arg == b.arg);
}

} // namespace

void StreamGenerator::compile(const StreamSource &s, Compiled &c) const {
  ReplayEvent &ev = c.tmpl;
  ev.reset();
  ev.probe = s.probe;
  ev.pid = 1000;
  ev.ppid = 1;
  ev.cgroup = 1;
  ev.comm = "obs-test";
  c.varying.clear();
  c.tidFollowsPid = true;
  std::vector<Slot> slots;
  for (const StreamField &f : s.fields) {
    Slot slot;
    if (f.target == StreamField::Target::Builtin && builtinSlot(f.name, slot)) {
      if (slot.kind == Slot::Kind::Tid)
        c.tidFollowsPid = false;
      if (slot.kind == Slot::Kind::Retval)
        ev.hasRetval = true;
      if (slot.kind == Slot::Kind::Comm && f.kind == StreamField::Kind::String)
        ev.comm = f.s;
    } else if (f.target == StreamField::Target::Builtin) {
      slots.push_back(Slot{Slot::Kind::Comm, 0}); // writes nothing
      continue;
    } else {
      slot.kind = Slot::Kind::Arg;
      if (f.target == StreamField::Target::ArgIndex) {
        ev.positionalArgs = true;
        if (ev.args.size() <= f.index)
          ev.args.resize(f.index + 1);
        slot.arg = f.index;
      } else {
        ev.args.emplace_back();
        ev.args.back().name = f.name;
        slot.arg = uint32_t(ev.args.size() - 1);
      }
      ReplayValue &v = ev.args[slot.arg].value;
      if (f.kind == StreamField::Kind::String) {
        v.kind = ReplayValue::Kind::String;
        v.s = f.s;
      } else {
        v.kind = ReplayValue::Kind::Int;
      }
    }
    if (f.kind != StreamField::Kind::String)
      store(ev, slot, fieldValue(f, 0, 0, 0, 0));
    slots.push_back(slot);
  }
  // Fields that vary, each only if no later field writes the same place
  // (the last one wins, as when every field is applied in order).
  for (size_t k = 0; k < s.fields.size(); ++k) {
    const StreamField &f = s.fields[k];
    if (f.kind != StreamField::Kind::Range &&
        f.kind != StreamField::Kind::Growth)
      continue;
    if (slots[k].kind == Slot::Kind::Comm)
      continue;
    bool last = true;
    for (size_t j = k + 1; j < s.fields.size(); ++j)
      last &= !sameSlot(slots[j], slots[k]);
    if (!last)
      continue;
    Compiled::Varying v{&f, slots[k]};
    v.span = uint64_t(f.b - f.a) + 1;
    v.intRate = f.kind == StreamField::Kind::Growth ? integerRate(f.rate) : 0;
    c.varying.push_back(v);
  }
  c.intRate = 0;
  c.q = c.rem = 0; // event 0 at offset 0
  if (s.rateFrom == s.rateTo && s.rateFrom > 0 && s.rateFrom < 1e18L &&
      (long double)uint64_t(s.rateFrom) == s.rateFrom)
    c.intRate = uint64_t(s.rateFrom);
  if (c.tidFollowsPid)
    ev.tid = ev.pid;
  ev.shape = newEventShape();
}

const ReplayEvent *StreamGenerator::next() {
  if (!started_) {
    started_ = true;
    if (!startPhase())
      return nullptr;
  }
  for (;;) {
    if (phase_ >= stream_.phases.size())
      return nullptr;
    size_t best = SIZE_MAX;
    for (size_t k = 0; k < nextTs_.size(); ++k)
      if (nextTs_[k] != UINT64_MAX &&
          (best == SIZE_MAX || nextTs_[k] < nextTs_[best]))
        best = k;
    if (best == SIZE_MAX) {
      ++phase_;
      if (!startPhase())
        return nullptr;
      continue;
    }
    const StreamPhase &ph = stream_.phases[phase_];
    const StreamSource &s = ph.sources[best];
    Compiled &c = compiled_[best];
    uint64_t i = index_[best]++;
    uint64_t ts = nextTs_[best];
    ReplayEvent &ev = c.tmpl;
    ev.ts = ts;
    for (Compiled::Varying &v : c.varying) {
      const StreamField &f = *v.field;
      int64_t x;
      if (f.kind == StreamField::Kind::Range) {
        x = f.a + int64_t(v.at); // i mod span, counted
        if (++v.at == v.span)
          v.at = 0;
      } else {
        x = fieldValue(f, v.intRate, i, ts, ph.startNs);
      }
      store(ev, v.slot, x);
    }
    if (c.tidFollowsPid)
      ev.tid = ev.pid;
    uint64_t off;
    nextTs_[best] = nextTime(s, c, index_[best], ph.durationNs, off)
                        ? ph.startNs + off
                        : UINT64_MAX;
    return &ev;
  }
}

bool StreamGenerator::next(ReplayEvent &ev) {
  const ReplayEvent *e = next();
  if (!e)
    return false;
  if (!e->shape || ev.shape != e->shape || ev.args.size() != e->args.size()) {
    ev = *e;
    return true;
  }
  // A copy of the same template before: only numbers vary (Range, Growth).
  ev.ts = e->ts;
  ev.cpu = e->cpu;
  ev.pid = e->pid;
  ev.tid = e->tid;
  ev.ppid = e->ppid;
  ev.uid = e->uid;
  ev.gid = e->gid;
  ev.cgroup = e->cgroup;
  ev.retval = e->retval;
  for (size_t k = 0; k < ev.args.size(); ++k)
    ev.args[k].value.i = e->args[k].value.i;
  return true;
}

} // namespace obs::replay
