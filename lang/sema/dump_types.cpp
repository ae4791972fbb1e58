//===- dump_types.cpp - `--dump=types` ------------------------------------===//
//
// Prints what sema concluded: params, probes with their expansions, maps
// with key, value and window, alerts with their key bindings, and then each
// probe's expressions with their types, in source order.
//
//===----------------------------------------------------------------------===//
#include "lang/sema/sema.h"

#include "lang/grammar/visitor.h"
#include "lang/sema/units.h"

#include <ostream>

namespace obs {
namespace {

std::string loc(const SemaContext &ctx, SourceRange r) {
  if (r.file >= ctx.sources.size())
    return "?";
  LineCol lc = ctx.sources.file(r.file).lineCol(r.begin);
  return std::to_string(lc.line) + ":" + std::to_string(lc.col);
}

std::string ns(uint64_t v) {
  if (v % 1000000000ull == 0) return std::to_string(v / 1000000000ull) + "s";
  if (v % 1000000ull == 0) return std::to_string(v / 1000000ull) + "ms";
  if (v % 1000ull == 0) return std::to_string(v / 1000ull) + "us";
  return std::to_string(v) + "ns";
}

class ExprTypes : public Visitor<ExprTypes> {
public:
  ExprTypes(std::ostream &os, const SemaContext &ctx) : os_(os), ctx_(ctx) {}
  void line(Expr &e, const std::string &what) {
    os_ << "    " << loc(ctx_, e.range) << " " << what << " : "
        << (e.type ? e.type->str() : "?") << "\n";
  }
  void visitIdentifier(Expr &e, Identifier &n) { line(e, n.name); }
  void visitVariable(Expr &e, Variable &n) { line(e, "$" + n.name); }
  void visitMapRef(Expr &e, MapRef &n) {
    line(e, "@" + n.name);
    traverse(e, n);
  }
  void visitCall(Expr &e, Call &n) {
    line(e, n.name + "()");
    traverse(e, n);
  }
  void visitFieldAccess(Expr &e, FieldAccess &n) {
    traverse(e, n);
    line(e, (n.arrow ? "->" : ".") + n.field);
  }
  void visitBinary(Expr &e, Binary &n) {
    traverse(e, n);
    line(e, "binary");
  }
  void visitCast(Expr &e, Cast &n) {
    traverse(e, n);
    line(e, "cast");
  }

private:
  std::ostream &os_;
  const SemaContext &ctx_;
};

} // namespace

void dumpTypes(std::ostream &os, const SemaContext &ctx) {
  for (const auto &[name, value] : ctx.params) {
    os << "param " << name << " = ";
    auto c = evaluateConstant(const_cast<SemaContext &>(ctx), value);
    if (!c)
      os << "?";
    else if (c->isString)
      os << '"' << c->text << '"';
    else
      os << c->value << " : " << c->quantity.describe();
    os << "\n";
  }
  for (const auto &[name, m] : ctx.maps) {
    os << "map " << name << "[";
    for (size_t i = 0; i < m.keys.size(); ++i)
      os << (i ? ", " : "") << (m.keys[i] ? m.keys[i]->str() : "?");
    os << "] : " << (m.value ? m.value->str() : "?");
    if (m.window.present()) {
      os << " over " << ns(m.window.overNs);
      if (m.window.everyNs != m.window.overNs)
        os << " every " << ns(m.window.everyNs);
    }
    os << "\n";
  }
  for (const AlertInfo &a : ctx.alerts) {
    os << "alert " << a.name << " on " << (a.map.empty() ? "?" : a.map) << " keys (";
    for (size_t i = 0; i < a.keyVariables.size(); ++i)
      os << (i ? ", " : "") << a.keyVariables[i];
    os << ")";
    if (a.forNs)
      os << " for " << ns(a.forNs);
    if (a.cooldownNs)
      os << " cooldown " << ns(a.cooldownNs);
    os << "\n";
  }
  ExprTypes et(os, ctx);
  for (Probe *p : ctx.ast.program.probes) {
    os << "probe";
    for (AttachPoint *ap : p->points) {
      os << " " << ap->text << " ->";
      size_t shown = 0;
      for (const std::string &x : ap->expansions) {
        if (shown++ == 8) {
          os << " ... (" << ap->expansions.size() << " in all)";
          break;
        }
        os << " " << (x.empty() ? probeKindName(ap->kind) : x);
      }
    }
    os << "\n";
    et.visit(p->predicate);
    et.visit(p->body);
  }
  for (Alert *a : ctx.ast.program.alerts) {
    os << "alert " << a->name << "\n";
    et.visit(a->cond);
    et.visit(a->body);
  }
}

} // namespace obs
