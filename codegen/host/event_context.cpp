//===- event_context.cpp - a replay event laid out as a probe's context ---===//

#include "codegen/host/event_context.h"

#include "lang/sema/types.h"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace obs::host {

namespace {

using AK = contract::AttachKind;
using RV = replay::ReplayValue;
using FieldPlan = ContextPlan::FieldPlan;

constexpr uint32_t kPtRegsArgs[] = {112, 104, 96, 88, 72, 64}; // x86-64 pt_regs
constexpr uint32_t kPtRegsAx = 80;
/// usdt arguments in memory: a window per base register.
constexpr size_t kUsdtWindow = 4096;

/// The offset of a x86-64 `struct pt_regs` field ("di", "r8"), or -1.
int ptRegsOffset(const std::string &field) {
  static const char *const names[] = {"r15", "r14", "r13", "r12", "bp", "bx", "r11",
                                      "r10", "r9",  "r8",  "ax",  "cx", "dx", "si",
                                      "di",  "orig_ax", "ip", "cs", "flags", "sp", "ss"};
  for (size_t i = 0; i < std::size(names); ++i)
    if (field == names[i])
      return int(8 * i);
  return -1;
}

/// Per field of p, the first argument of that name (p.filled), found
/// again only when the names differ from the last event's.
void matchShape(ContextPlan &p, const replay::ReplayEvent &ev) {
  if (ev.shape && ev.shape == p.lastShape)
    return;
  p.lastShape = ev.shape;
  const auto &args = ev.args;
  bool same = p.shape.size() == args.size();
  for (size_t i = 0; same && i < args.size(); ++i)
    same = p.shape[i] == args[i].name;
  if (same)
    return;
  p.shape.resize(args.size());
  for (size_t i = 0; i < args.size(); ++i)
    p.shape[i] = args[i].name;
  p.filled.clear();
  for (size_t j = 0; j < p.fields.size(); ++j)
    for (size_t i = 0; i < args.size(); ++i)
      if (args[i].name == p.fields[j].name) {
        p.filled.push_back({uint32_t(j), uint32_t(i), p.fields[j].kind});
        break;
      }
}

/// Writes one context: the memory at `at` is the context, the words after
/// it its pointed-to strings and usdt windows.
class Writer {
public:
  /// The context at word `at`, `bytes` long; room after it from word `extraAt`.
  Writer(EventContexts &out, size_t at, size_t bytes, size_t extraAt)
      : out_(out), base_(reinterpret_cast<uint8_t *>(out.mem.data() + at)), bytes_(bytes),
        extraAt_(extraAt) {}

  uint8_t *base() const { return base_; }
  /// The word after the context and the room it used.
  size_t end() const { return extraAt_; }

  /// Little-endian stores of 1, 2, 4 or 8 bytes (the sizes of fields).
  void put(uint32_t off, uint64_t v, uint32_t size) {
    if (off + size > bytes_)
      return;
    uint8_t *d = base_ + off;
    switch (size) {
    case 1: *d = uint8_t(v); break;
    case 2: { uint16_t x = uint16_t(v); std::memcpy(d, &x, 2); break; }
    case 4: { uint32_t x = uint32_t(v); std::memcpy(d, &x, 4); break; }
    case 8: std::memcpy(d, &v, 8); break;
    default: std::memcpy(d, &v, std::min<uint32_t>(size, 8)); break;
    }
  }

  /// Room after the context: `words` words, zeroed, readable (null when
  /// contextWords did not count it).
  uint8_t *extra(size_t words) {
    if (extraAt_ + words > out_.mem.size())
      return nullptr;
    uint64_t *w = out_.mem.data() + extraAt_;
    std::fill(w, w + words, 0);
    uintptr_t b = reinterpret_cast<uintptr_t>(w);
    out_.readable.push_back({b, b + words * 8});
    extraAt_ += words;
    return reinterpret_cast<uint8_t *>(w);
  }

  /// A pointer argument given as a string points to a copy of it.
  uint64_t stringPointer(const std::string &s) {
    uint8_t *p = extra((s.size() + 8) / 8);
    if (!p)
      return 0;
    std::memcpy(p, s.data(), s.size());
    out_.readable.back().end = out_.readable.back().begin + s.size() + 1;
    return reinterpret_cast<uint64_t>(p);
  }

  uint64_t argWord(const RV &v) {
    if (v.kind == RV::Kind::String)
      return stringPointer(v.s);
    if (v.kind == RV::Kind::IntArray)
      return v.array.empty() ? 0 : uint64_t(v.array[0]);
    return uint64_t(v.i);
  }

private:
  EventContexts &out_;
  uint8_t *base_;
  size_t bytes_;
  size_t extraAt_; ///< the next free word of out.mem
};

/// What a context needs beyond its fixed part: __data_loc strings after
/// the record (tracepoints; an empty one for a field given a number), and
/// words after the context for the strings pointer arguments point to and
/// for usdt memory.
struct ContextSize {
  size_t dyn = 0, extraWords = 0;
};

ContextSize contextSize(ContextPlan &p, const replay::ReplayEvent &ev) {
  ContextSize n;
  auto pointed = [&](const RV &v) {
    if (v.kind == RV::Kind::String)
      n.extraWords += (v.s.size() + 8) / 8;
  };
  if (p.kind == AK::Tracepoint) {
    if (!p.record)
      return n;
    matchShape(p, ev);
    const replay::ReplayArg *args = ev.args.data();
    for (const ContextPlan::Filled &f : p.filled) {
      const RV &v = args[f.arg].value;
      if (f.kind == FieldPlan::Kind::DataLoc)
        n.dyn += (v.kind == RV::Kind::String ? v.s.size() : 0) + 1;
      else if (f.kind == FieldPlan::Kind::Word)
        pointed(v);
    }
    return n;
  }
  for (const replay::ReplayArg &a : ev.args)
    pointed(a.value);
  if (p.usdt)
    n.extraWords += std::min<size_t>(p.usdtArgs.size(), 8) * (kUsdtWindow / 8);
  return n;
}

/// Words of the context's own part: the fixed record, __data_loc strings
/// after it, one spare word.
size_t ownWords(const ContextPlan &p, const ContextSize &n) {
  return (p.bytes + n.dyn + 7) / 8 + 1;
}

void tracepointRecord(ContextPlan &p, const replay::ReplayEvent &ev, Writer &w, size_t dynAt) {
  if (!p.record)
    return;
  uint8_t *base = w.base();
  // Locals: the byte stores below may alias anything, so vector sizes and
  // data would be loaded again for every field.
  const FieldPlan *fields = p.fields.data();
  const replay::ReplayArg *args = ev.args.data();
  for (const ContextPlan::Filled &fill : p.filled) {
    const FieldPlan &f = fields[fill.field];
    const RV *v = &args[fill.arg].value;
    switch (f.kind) {
    case FieldPlan::Kind::DataLoc: {
      // __data_loc: (length << 16) | offset, bytes after the record.
      size_t n = v->kind == RV::Kind::String ? v->s.size() : 0;
      if (n)
        std::memcpy(base + dynAt, v->s.data(), n);
      base[dynAt + n] = 0;
      w.put(f.offset, uint32_t((n + 1) << 16 | dynAt), 4);
      dynAt += n + 1;
      break;
    }
    case FieldPlan::Kind::Chars:
      if (v->kind == RV::Kind::String)
        std::memcpy(base + f.offset, v->s.data(), std::min<size_t>(v->s.size(), f.size - 1));
      break;
    case FieldPlan::Kind::Array:
      for (uint32_t i = 0; i < f.count; ++i) {
        int64_t x = v->kind == RV::Kind::IntArray ? (i < v->array.size() ? v->array[i] : 0)
                                                  : (i == 0 ? v->i : 0);
        w.put(f.offset + i * f.size, uint64_t(x), f.size);
      }
      break;
    case FieldPlan::Kind::Word: w.put(f.offset, w.argWord(*v), f.size); break;
    }
  }
}

/// usdt: argument i's value where the lowering reads it (usdtArg in
/// codegen/builtins.cpp): its register, or memory at base register +
/// displacement, the base pointing into a window of its own per register.
void placeUsdt(const ContextPlan &p, const replay::ReplayEvent &ev, Writer &w) {
  int bases[8];
  uint8_t *windows[8];
  size_t nbases = 0;
  uint8_t *regs = w.base();
  for (size_t i = 0; i < p.usdtArgs.size() && i < ev.args.size(); ++i) {
    const UsdtArgument &a = p.usdtArgs[i];
    uint64_t v = w.argWord(ev.args[i].value);
    int reg = a.reg.empty() ? -1 : ptRegsOffset(ptRegsField(a.reg));
    if (a.kind == UsdtArgument::Kind::Register && reg >= 0) {
      std::memcpy(regs + reg, &v, 8);
    } else if (a.kind == UsdtArgument::Kind::Memory && reg >= 0 && a.symbol.empty()) {
      size_t k = 0;
      while (k < nbases && bases[k] != reg)
        ++k;
      if (k == nbases) {
        if (nbases == std::size(bases))
          continue;
        uint8_t *window = w.extra(kUsdtWindow / 8);
        if (!window)
          continue;
        bases[nbases] = reg;
        windows[nbases++] = window;
      }
      uint8_t *window = windows[k];
      uint64_t base = reinterpret_cast<uint64_t>(window) + kUsdtWindow / 2;
      std::memcpy(regs + reg, &base, 8);
      if (!a.indexReg.empty())
        if (int x = ptRegsOffset(ptRegsField(a.indexReg)); x >= 0)
          std::memset(regs + x, 0, 8);
      int64_t at = int64_t(kUsdtWindow / 2) + a.value;
      if (at >= 0 && at + 8 <= int64_t(kUsdtWindow))
        std::memcpy(window + at, &v, 8);
    }
  }
}

} // namespace

void ContextPlan::planFields(const Type *rec) {
  record = rec;
  if (!record)
    return;
  bytes = std::max<size_t>(record->size, 8);
  for (const Field &f : record->recordFields()) {
    if (!f.type)
      continue;
    const Type *t = f.type;
    FieldPlan fp;
    fp.name = f.name;
    fp.offset = f.offset;
    if ((t->kind == TypeKind::String || t->kind == TypeKind::Buffer) && t->size == 0) {
      fp.kind = FieldPlan::Kind::DataLoc;
    } else if (t->kind == TypeKind::String) {
      fp.kind = FieldPlan::Kind::Chars;
      fp.size = t->size;
    } else if (t->kind == TypeKind::Array) {
      fp.kind = FieldPlan::Kind::Array;
      fp.count = t->count ? t->count : 1;
      fp.size = t->size / fp.count;
    } else {
      fp.kind = FieldPlan::Kind::Word;
      fp.size = t->kind == TypeKind::Integer && t->bits ? t->bits / 8 : 8;
    }
    fields.push_back(std::move(fp));
  }
}

size_t contextWords(ContextPlan &p, const replay::ReplayEvent &ev) {
  ContextSize n = contextSize(p, ev);
  p.dyn = n.dyn;
  p.extraWords = n.extraWords;
  return ownWords(p, n) + n.extraWords;
}

size_t buildContext(ContextPlan &p, const replay::ReplayEvent &ev, EventContexts &out,
                    size_t at) {
  ContextSize n{p.dyn, p.extraWords}; // contextWords's, for this event
  size_t words = ownWords(p, n);
  size_t dyn = n.dyn;
  uint64_t *ctx = out.mem.data() + at;
  for (size_t i = 0; i < words; ++i)
    ctx[i] = 0;
  out.ctxAt.push_back(uint32_t(at));
  uintptr_t b = reinterpret_cast<uintptr_t>(ctx);
  out.readable.push_back({b, b + p.bytes + dyn});
  Writer w(out, at, p.bytes, at + words);
  switch (p.kind) {
  case AK::Tracepoint: tracepointRecord(p, ev, w, p.bytes); break;
  case AK::Kprobe:
  case AK::Kretprobe:
  case AK::Uprobe:
  case AK::Uretprobe:
    if (p.usdt) {
      placeUsdt(p, ev, w);
      break;
    }
    for (size_t i = 0; i < ev.args.size() && i < std::size(kPtRegsArgs); ++i)
      w.put(kPtRegsArgs[i], w.argWord(ev.args[i].value), 8);
    if (ev.hasRetval)
      w.put(kPtRegsAx, uint64_t(ev.retval), 8);
    break;
  case AK::RawTracepoint:
  case AK::Fentry:
  case AK::Fexit:
    for (size_t i = 0; i < ev.args.size() && 8 * i + 8 <= p.bytes; ++i)
      w.put(uint32_t(8 * i), w.argWord(ev.args[i].value), 8);
    break;
  default:
    break;
  }
  return w.end();
}

} // namespace obs::host
