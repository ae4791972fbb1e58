//===- event_reader.cpp - reading event files fast ------------------------===//
//
// EventReader: blocks of the file, lines found with memchr, and each line
// matched against the shapes of earlier lines. A shape is the text between
// the values of a line the fast parser read (keys, spacing, argument names,
// the quotes of string values) and what each value sets; matching a line
// compares that text (a few machine words per gap) and converts the
// numbers, so the keys are neither scanned nor dispatched. A line with a
// backslash, an array, a stack, or text that differs anywhere goes to the
// fast parser (fast_line.h), which learns its shape, and failing that to
// the general parser, which also words the errors.
//
//===----------------------------------------------------------------------===//

#include "runtime/replay/event_binary.h"
#include "runtime/replay/events.h"
#include "runtime/replay/fast_line.h"

#include <algorithm>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace obs::replay {

using detail::ShapeTarget;

namespace {

inline uint64_t load64(const char *p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t load32(const char *p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
/// n bytes equal; short runs compared a word at a time, inline.
[[gnu::always_inline]] inline bool same(const char *a, const char *b,
                                        size_t n) {
#ifdef __SSE2__
  if (n >= 16) {
    auto eq16 = [](const char *x, const char *y) {
      __m128i u = _mm_loadu_si128(reinterpret_cast<const __m128i *>(x));
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(y));
      return _mm_movemask_epi8(_mm_cmpeq_epi8(u, v)) == 0xffff;
    };
    for (size_t i = 0; i + 16 < n; i += 16)
      if (!eq16(a + i, b + i))
        return false;
    return eq16(a + n - 16, b + n - 16);
  }
  if (n >= 8)
    return load64(a) == load64(b) && load64(a + n - 8) == load64(b + n - 8);
#else
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 < n; i += 8)
      if (load64(a + i) != load64(b + i))
        return false;
    return load64(a + n - 8) == load64(b + n - 8);
  }
#endif
  if (n >= 4)
    return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i])
      return false;
  return true;
}

/// One learnt shape.
struct Shape {
  struct Step {
    uint32_t lit = 0, len = 0; ///< the text before the value, in `text`
    ShapeTarget target;
    uint32_t arg = 0;
    bool string = false; ///< the text ends with the value's opening quote
  };
  std::string text;
  std::vector<Step> steps;
  uint32_t tail = 0, tailLen = 0; ///< the text after the last value
  std::string probe;
  std::vector<std::string> names; ///< argument names ("" when positional)
  std::vector<bool> stringArg;
  bool positional = false, hasTid = false, hasComm = false, hasRetval = false;
  uint64_t id = 0;

  /// From a line the fast parser read, with the values it recorded; false
  /// when the line has something a shape does not describe.
  bool learn(std::string_view line, const detail::ValueRecorder &values,
             const ReplayEvent &ev) {
    if (ev.watermarkOnly)
      return false;
    const char *prev = line.data();
    for (const detail::RecordedValue &v : values) {
      Step st;
      st.target = v.target;
      st.arg = v.arg;
      switch (v.target) {
      case ShapeTarget::Kstack:
      case ShapeTarget::Ustack:
      case ShapeTarget::Watermark: return false;
      case ShapeTarget::Probe:
        continue; // part of the text: a shape is one probe's
      case ShapeTarget::Comm: st.string = true; break;
      case ShapeTarget::Arg: {
        const ReplayValue &a = ev.args[v.arg].value;
        if (a.kind == ReplayValue::Kind::IntArray)
          return false;
        st.string = a.kind == ReplayValue::Kind::String;
        break;
      }
      default: break;
      }
      hasTid |= v.target == ShapeTarget::Tid;
      hasComm |= v.target == ShapeTarget::Comm;
      hasRetval |= v.target == ShapeTarget::Retval;
      st.lit = uint32_t(text.size());
      st.len = uint32_t(v.begin - prev);
      text.append(prev, size_t(v.begin - prev));
      steps.push_back(st);
      prev = v.end;
    }
    if (steps.empty())
      return false;
    tail = uint32_t(text.size());
    tailLen = uint32_t(line.data() + line.size() - prev);
    text.append(prev, tailLen);
    positional = ev.positionalArgs;
    probe = ev.probe;
    for (const ReplayArg &a : ev.args) {
      names.push_back(a.name);
      stringArg.push_back(a.value.kind == ReplayValue::Kind::String);
    }
    id = newEventShape();
    return true;
  }

  /// Up to 19 digits, a byte at a time (as fast as eight at a time for the
  /// short numbers of events, measured).
  static bool digits(const char *&p, const char *e, uint64_t &v) {
    const char *s = p;
    uint64_t acc = 0;
    while (p != e && unsigned(*p - '0') < 10)
      acc = acc * 10 + unsigned(*p++ - '0');
    if (p == s || p - s > 19)
      return false;
    v = acc;
    return true; // a '.' or 'e' after it fails the next text's match
  }
  static bool i64(const char *&p, const char *e, int64_t &v) {
    bool neg = p != e && *p == '-';
    p += neg;
    uint64_t m;
    if (!digits(p, e, m) || (neg && m > uint64_t(INT64_MAX) + 1))
      return false;
    v = neg ? int64_t(0 - m) : int64_t(m);
    return true;
  }
  static bool u32(const char *&p, const char *e, uint32_t &v) {
    uint64_t x;
    if (!digits(p, e, x) || x > UINT32_MAX)
      return false;
    v = uint32_t(x);
    return true;
  }
  /// A string value up to its closing quote (left for the next text).
  /// `kept`: `out` is from a line with no backslash, so has no quote.
  static bool string(const char *&p, const char *e, std::string &out,
                     bool kept) {
    size_t n = out.size();
    if (kept && size_t(e - p) > n && p[n] == '"' && same(p, out.data(), n)) {
      p += n; // as the last line: nothing to copy
      return true;
    }
    const char *q = p;
    for (; q != e && *q != '"'; ++q)
      if (*q == '\\' || *q == '\n')
        return false; // an escape: the parsers'; a new line: not a string
    if (q == e)
      return false;
    out.assign(p, size_t(q - p));
    p = q;
    return true;
  }

  /// Fills `ev` from a line of this shape; false when it is not one (ev
  /// is then partly written). The line has no backslash; `kept`: ev is
  /// what the fast readers made of the last line.
  bool scan(const char *&pos, const char *e, bool eof, ReplayEvent &ev,
            bool kept) const {
    const char *p = pos;
    // The first text has the probe: most lines of other shapes fail here.
    if (size_t(e - p) < steps[0].len || !same(p, text.data(), steps[0].len))
      return false;
    if (!kept || ev.shape != id || ev.args.size() != names.size()) {
      ev.shape = 0; // until the names are this shape's again
      ev.probe = probe;
      ev.args.resize(names.size());
      for (size_t k = 0; k < names.size(); ++k)
        ev.args[k].name = names[k];
    }
    ev.cpu = ev.pid = ev.ppid = ev.uid = ev.gid = 0;
    ev.cgroup = 0;
    ev.hasRetval = hasRetval;
    ev.retval = 0;
    ev.positionalArgs = positional;
    ev.watermarkOnly = false;
    ev.kstack.clear();
    ev.ustack.clear();
    // Locals: stores through the event's strings could alias the vectors,
    // so their sizes and data would be loaded again at every step.
    const char *txt = text.data();
    const Step *step = steps.data();
    const size_t nsteps = steps.size();
    ReplayArg *args = ev.args.data();
    for (size_t k = 0; k < nsteps; ++k) {
      const Step &st = step[k];
      if (k && (size_t(e - p) < st.len || !same(p, txt + st.lit, st.len)))
        return false;
      p += st.len;
      bool ok = true;
      switch (st.target) {
      case ShapeTarget::Comm: ok = string(p, e, ev.comm, kept); break;
      case ShapeTarget::Ts: ok = digits(p, e, ev.ts); break;
      case ShapeTarget::Cgroup: ok = digits(p, e, ev.cgroup); break;
      case ShapeTarget::Cpu: ok = u32(p, e, ev.cpu); break;
      case ShapeTarget::Pid: ok = u32(p, e, ev.pid); break;
      case ShapeTarget::Tid: ok = u32(p, e, ev.tid); break;
      case ShapeTarget::Ppid: ok = u32(p, e, ev.ppid); break;
      case ShapeTarget::Uid: ok = u32(p, e, ev.uid); break;
      case ShapeTarget::Gid: ok = u32(p, e, ev.gid); break;
      case ShapeTarget::Retval: ok = i64(p, e, ev.retval); break;
      case ShapeTarget::Arg: {
        ReplayValue &v = args[st.arg].value;
        v.array.clear();
        if (st.string) {
          v.kind = ReplayValue::Kind::String;
          v.i = 0;
          ok = string(p, e, v.s, kept);
        } else {
          v.kind = ReplayValue::Kind::Int;
          v.s.clear();
          ok = i64(p, e, v.i);
        }
        break;
      }
      default: ok = false; break;
      }
      if (!ok)
        return false;
    }
    if (size_t(e - p) < tailLen || !same(p, txt + tail, tailLen))
      return false;
    p += tailLen;
    if (p != e && *p == '\n')
      ++p;
    else if (p != e || !eof)
      return false; // more on the line, or perhaps in the next block
    pos = p;
    if (!hasComm)
      ev.comm.clear();
    if (!hasTid)
      ev.tid = ev.pid;
    ev.shape = id;
    return true;
  }
};

} // namespace

/// The shapes learnt, most recently matched first.
struct EventReader::Shapes {
  static constexpr size_t kMax = 8;
  std::vector<Shape> list;
  detail::ValueRecorder values;

  /// The line at `pos` (up to e, the end of the bytes read), when it has
  /// a known shape; then `pos` moves past its newline.
  bool scan(const char *&pos, const char *e, bool eof, ReplayEvent &ev) {
    // What ev holds came from a line of one of these shapes (so its
    // strings have no quote), unless its user changed it and its shape.
    bool kept = false;
    for (const Shape &s : list)
      kept |= ev.shape == s.id;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].scan(pos, e, eof, ev, kept))
        continue;
      if (i)
        std::swap(list[0], list[i]);
      return true;
    }
    return false;
  }

  bool fast(std::string_view line, ReplayEvent &ev, bool plain) {
    values.clear();
    if (!detail::FastLine(line, &values).event(ev))
      return false;
    if (!plain)
      return true;
    Shape s;
    if (s.learn(line, values, ev)) {
      if (list.size() == kMax)
        list.pop_back();
      list.insert(list.begin(), std::move(s));
      ev.shape = list.front().id;
    }
    return true;
  }
};

EventReader::EventReader(std::istream &in)
    : in_(&in), shapes_(std::make_unique<Shapes>()), buf_(size_t(1) << 20) {}
EventReader::EventReader(std::string_view data)
    : shapes_(std::make_unique<Shapes>()), cur_(data.data()),
      end_(data.data() + data.size()), eof_(true) {}
EventReader::~EventReader() = default;

bool EventReader::more() {
  if (eof_)
    return false;
  // Keep the unread bytes, then read more after them.
  size_t avail = size_t(end_ - cur_);
  size_t at = cur_ ? size_t(cur_ - buf_.data()) : 0;
  std::memmove(buf_.data(), buf_.data() + at, avail);
  if (avail == buf_.size())
    buf_.resize(buf_.size() * 2);
  in_->read(buf_.data() + avail, std::streamsize(buf_.size() - avail));
  size_t got = size_t(in_->gcount());
  cur_ = buf_.data();
  end_ = cur_ + avail + got;
  if (got == 0)
    eof_ = true;
  return got != 0;
}

bool EventReader::nextLine(std::string_view &line) {
  for (;;) {
    size_t avail = size_t(end_ - cur_);
    const char *nl =
        avail ? static_cast<const char *>(std::memchr(cur_, '\n', avail))
              : nullptr;
    if (nl) {
      line = std::string_view(cur_, size_t(nl - cur_));
      cur_ = nl + 1;
      return true;
    }
    if (!more()) {
      if (avail == 0)
        return false;
      line = std::string_view(cur_, avail); // the last line, no newline
      cur_ = end_;
      return true;
    }
  }
}

bool EventReader::nextBinary(ReplayEvent &ev) {
  for (;;) {
    while (size_t(end_ - cur_) < 5 && more()) {
    }
    size_t avail = size_t(end_ - cur_);
    if (avail == 0)
      return false;
    uint32_t size = 0;
    if (avail >= 5)
      std::memcpy(&size, cur_ + 1, 4);
    while (avail >= 5 && avail < 5 + size_t(size) && more())
      avail = size_t(end_ - cur_);
    ++line_;
    if (avail < 5 || avail < 5 + size_t(size)) {
      error_ = "record " + std::to_string(line_) + ": truncated";
      return false;
    }
    char tag = cur_[0];
    std::string_view body(cur_ + 5, size);
    // Records are read in order: ask for the memory a few ahead (a page
    // of the mapped file may still be on its way from the page cache).
    __builtin_prefetch(cur_ + 1024);
    cur_ += 5 + size_t(size);
    bool isEvent = false;
    std::string err;
    if (!binary_->decode(tag, body, ev, isEvent, err)) {
      error_ = "record " + std::to_string(line_) + ": " + err;
      return false;
    }
    if (isEvent)
      return true;
  }
}

bool EventReader::next(ReplayEvent &ev) {
  if (!started_) {
    // A binary events file starts with its magic.
    started_ = true;
    while (size_t(end_ - cur_) < kBinaryEventsMagic.size() && more()) {
    }
    if (std::string_view(
            cur_, std::min(size_t(end_ - cur_), kBinaryEventsMagic.size())) ==
        kBinaryEventsMagic) {
      cur_ += kBinaryEventsMagic.size();
      binary_ = std::make_unique<BinaryEventDecoder>();
    }
  }
  if (binary_)
    return nextBinary(ev);
  // Most lines: matched where they are, their end found on the way.
  if (!shapes_->list.empty() && cur_ != end_ &&
      shapes_->scan(cur_, end_, eof_, ev)) {
    ++line_;
    return true;
  }
  std::string_view line;
  while (nextLine(line)) {
    ++line_;
    size_t i = line.find_first_not_of(" \t\r");
    if (i == std::string_view::npos || line[i] == '#')
      continue;
    Shapes &sh = *shapes_;
    const char *end = line.data() + line.size();
    const char *at = line.data();
    if (sh.scan(at, end, true, ev)) // at a block's end, say
      return true;
    if (sh.fast(line, ev, !std::memchr(line.data(), '\\', line.size())))
      return true;
    std::string err;
    if (!parseEventLine(line, ev, err)) {
      error_ = "line " + std::to_string(line_) + ": " + err;
      return false;
    }
    return true;
  }
  return false;
}

} // namespace obs::replay
