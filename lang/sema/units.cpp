//===- units.cpp - unit dimensions and constant evaluation ----------------===//
#include "lang/sema/units.h"

#include "lang/grammar/parser.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace obs {

bool quantitiesCompatible(Quantity a, Quantity b) {
  const Quantity plain{};
  if (a == b || a == plain || b == plain)
    return true;
  // Both per second, one of base Plain: the Plain one adopts the other.
  return a.perSecond && b.perSecond &&
         (a.base == Quantity::Plain || b.base == Quantity::Plain);
}

/// The quantity two compatible operands agree on.
static Quantity join(Quantity a, Quantity b) {
  const Quantity plain{};
  if (a == plain)
    return b;
  if (b == plain)
    return a;
  return a.base == Quantity::Plain ? b : a;
}

std::optional<Quantity> combineQuantities(BinaryOp op, Quantity l, Quantity r,
                                          const char *&verb) {
  const Quantity plain{};
  switch (op) {
  case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt:
  case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
    verb = "compare";
    if (!quantitiesCompatible(l, r))
      return std::nullopt;
    return plain;
  case BinaryOp::Add: case BinaryOp::Sub:
    verb = op == BinaryOp::Add ? "add" : "subtract";
    if (!quantitiesCompatible(l, r))
      return std::nullopt;
    return join(l, r);
  case BinaryOp::Mul:
    verb = "multiply";
    if (l == plain) return r;
    if (r == plain) return l;
    // A rate times a duration is the amount in that duration.
    if (l.perSecond && r == Quantity{Quantity::Duration, false})
      return Quantity{l.base, false};
    if (r.perSecond && l == Quantity{Quantity::Duration, false})
      return Quantity{r.base, false};
    return std::nullopt;
  case BinaryOp::Div: {
    verb = "divide";
    const Quantity duration{Quantity::Duration, false};
    if (r == plain) return l;
    if (l == plain && !r.perSecond) return plain; // args.len / 4KB
    if (l == r) return plain;                     // $d / 1us
    if (r == duration && !l.perSecond && l.base != Quantity::Duration)
      return Quantity{l.base, true};              // 4KB / 1s
    if (r.perSecond && !l.perSecond && (r.base == l.base || r.base == Quantity::Plain))
      return duration;                            // 1MB / 1MB/s
    return std::nullopt;
  }
  case BinaryOp::Mod:
    verb = "take the remainder of";
    if (r == plain || quantitiesCompatible(l, r)) return l;
    return std::nullopt;
  case BinaryOp::Shl: case BinaryOp::Shr:
    verb = "shift";
    if (r == plain) return l;
    return std::nullopt;
  case BinaryOp::BitAnd: case BinaryOp::BitOr: case BinaryOp::BitXor:
    verb = "combine the bits of";
    if (quantitiesCompatible(l, r)) return join(l, r);
    return std::nullopt;
  case BinaryOp::LogAnd: case BinaryOp::LogOr:
    verb = "combine";
    return plain;
  }
  return plain;
}

std::string unitHint(Quantity q) {
  if (q.perSecond)
    return q.base == Quantity::Size ? "a size rate is written like 1MB/s or 4KB/min"
                                    : "a rate is written like 50/s or 100/min";
  switch (q.base) {
  case Quantity::Duration: return "a duration is written like 500ms, 10s or 5m";
  case Quantity::Size: return "a size is written like 4KB or 1MB";
  case Quantity::Count: return "a count is a plain number, like 100";
  case Quantity::Plain: return "";
  }
  return "";
}

std::optional<Constant> evaluateConstant(SemaContext &ctx, const Expr *e) {
  if (!e)
    return std::nullopt;
  if (auto *i = e->as<IntegerLit>())
    return Constant{static_cast<double>(i->value), {}, false, {}};
  if (auto *q = e->as<QuantityLit>())
    return Constant{q->value, Quantity::fromLiteral(q->unit), false, {}};
  if (auto *pp = e->as<PositionalParam>()) {
    const auto &pos = ctx.options.positional;
    if (pp->count)
      return Constant{static_cast<double>(pos.size()), {}, false, {}};
    if (pp->index == 0 || pp->index > pos.size())
      return Constant{0, {}, false, {}};
    // A positional argument is a literal of the language when it parses as
    // one (`10ms`, `4KB`, `-3`), else a string.
    const std::string &v = pos[pp->index - 1];
    bool plausible = !v.empty() && (std::isdigit(static_cast<unsigned char>(v[0])) ||
                                    (v[0] == '-' && v.size() > 1));
    if (plausible && v.find_first_of(";{}/\"'") == std::string::npos) {
      Diagnostics quiet;
      uint32_t id = ctx.sources.add("<$" + std::to_string(pp->index) + ">",
                                    "param _ = " + v + ";");
      Program tmp;
      if (parseSource(ctx.ast, ctx.sources, id, quiet, tmp) && tmp.params.size() == 1)
        if (auto c = evaluateConstant(ctx, tmp.params[0]->value))
          return c;
    }
    return Constant{0, {}, true, v};
  }
  if (auto *s = e->as<StringLit>())
    return Constant{0, {}, true, s->value};
  if (auto *id = e->as<Identifier>()) {
    auto it = ctx.params.find(ctx.qualify(e->range.file, id->name));
    if (it != ctx.params.end() && it->second != e)
      return evaluateConstant(ctx, it->second);
    return std::nullopt;
  }
  if (auto *u = e->as<Unary>()) {
    auto v = evaluateConstant(ctx, u->operand);
    if (!v || v->isString)
      return std::nullopt;
    if (u->op == UnaryOp::Neg) { v->value = -v->value; return v; }
    if (u->op == UnaryOp::Not) { v->value = v->value == 0; v->quantity = {}; return v; }
    if (u->op == UnaryOp::BitNot) { v->value = static_cast<double>(~toInt64(v->value)); return v; }
    return std::nullopt;
  }
  if (auto *b = e->as<Binary>()) {
    auto l = evaluateConstant(ctx, b->lhs), r = evaluateConstant(ctx, b->rhs);
    if (!l || !r || l->isString || r->isString)
      return std::nullopt;
    const char *verb = "";
    auto q = combineQuantities(b->op, l->quantity, r->quantity, verb);
    if (!q)
      return std::nullopt;
    double x = l->value, y = r->value, v = 0;
    auto ix = toInt64(x), iy = toInt64(y);
    switch (b->op) {
    case BinaryOp::Add: v = x + y; break;
    case BinaryOp::Sub: v = x - y; break;
    case BinaryOp::Mul: v = x * y; break;
    case BinaryOp::Div:
      if (y == 0) return std::nullopt;
      v = x / y;
      if (r->quantity.base == Quantity::Duration && q->perSecond) v *= 1e9;
      else if (r->quantity.perSecond && *q == Quantity{Quantity::Duration, false}) v *= 1e9;
      else if (l->quantity.base == Quantity::Plain && r->quantity.base == Quantity::Plain &&
               x == std::floor(x) && y == std::floor(y)) v = std::trunc(v);
      break;
    case BinaryOp::Mod: if (iy == 0) return std::nullopt; v = iy == -1 ? 0 : static_cast<double>(ix % iy); break;
    case BinaryOp::Shl: v = static_cast<double>(static_cast<int64_t>(static_cast<uint64_t>(ix) << (iy & 63))); break;
    case BinaryOp::Shr: v = static_cast<double>(ix >> (iy & 63)); break;
    case BinaryOp::BitAnd: v = static_cast<double>(ix & iy); break;
    case BinaryOp::BitOr: v = static_cast<double>(ix | iy); break;
    case BinaryOp::BitXor: v = static_cast<double>(ix ^ iy); break;
    case BinaryOp::Eq: v = x == y; break;
    case BinaryOp::Ne: v = x != y; break;
    case BinaryOp::Lt: v = x < y; break;
    case BinaryOp::Le: v = x <= y; break;
    case BinaryOp::Gt: v = x > y; break;
    case BinaryOp::Ge: v = x >= y; break;
    case BinaryOp::LogAnd: v = x && y; break;
    case BinaryOp::LogOr: v = x || y; break;
    }
    // A rate times a duration: per second times nanoseconds.
    if (b->op == BinaryOp::Mul && (l->quantity.perSecond || r->quantity.perSecond) && !q->perSecond)
      v /= 1e9;
    return Constant{v, *q, false, {}};
  }
  return std::nullopt;
}

} // namespace obs
