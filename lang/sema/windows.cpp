//===- windows.cpp - `over W` and `over W every S` ------------------------===//
//
// A window belongs to a map: it must follow an aggregation, its lengths are
// constant durations, a hop may not be longer than the window and must
// divide it, and every assignment of a map uses the same window. Window
// functions (rate, slope, r2, predict, quantile) need a window.
//
//===----------------------------------------------------------------------===//
#include "lang/sema/passes.h"

#include "lang/grammar/visitor.h"
#include "lang/sema/builtins.h"
#include "lang/sema/units.h"

#include <cmath>

namespace obs {
namespace {

std::string formatDuration(uint64_t ns) {
  struct { uint64_t div; const char *unit; } units[] = {
      {3600000000000ull, "h"}, {60000000000ull, "m"}, {1000000000ull, "s"},
      {1000000ull, "ms"}, {1000ull, "us"}, {1, "ns"}};
  for (auto &u : units)
    if (ns >= u.div && ns % u.div == 0)
      return std::to_string(ns / u.div) + u.unit;
  return std::to_string(ns) + "ns";
}

class WindowChecker : public Visitor<WindowChecker> {
public:
  explicit WindowChecker(SemaContext &ctx) : ctx_(ctx) {}

  void visitAssign(Stmt &s, Assign &a) {
    auto *m = a.target->as<MapRef>();
    const Call *call = a.value->as<Call>();
    const FunctionDescriptor *f = call ? findFunction(call->name) : nullptr;
    bool aggregation = f && (f->kind == FunctionKind::Aggregation ||
                             f->kind == FunctionKind::WindowFunction);
    if (!a.window) {
      if (m && f && f->kind == FunctionKind::WindowFunction)
        ctx_.diags.report(DiagKind::window_needs_window, call->nameRange, {call->name});
      if (m)
        record(a, *m, Window{});
      return;
    }
    if (!m)
      return; // reported by the type checker
    if (!aggregation) {
      const Type *t = a.value->type;
      ctx_.diags.report(DiagKind::window_on_non_aggregation, a.window->range,
                        {t ? t->str() : "not an aggregation"})
          .note(a.value->range, "this value is not an aggregation");
      return;
    }
    Window w;
    w.overNs = duration(a.window->over, "over");
    w.everyNs = a.window->every ? duration(a.window->every, "every") : w.overNs;
    if (!w.overNs || !w.everyNs)
      return;
    if (w.overNs < 1000000) {
      ctx_.diags.report(DiagKind::window_too_short, a.window->over->range,
                        {formatDuration(w.overNs)});
      return;
    }
    if (w.everyNs > w.overNs) {
      ctx_.diags.report(DiagKind::window_every_longer, a.window->every->range,
                        {formatDuration(w.everyNs), formatDuration(w.overNs)});
      return;
    }
    if (w.overNs % w.everyNs != 0) {
      ctx_.diags.report(DiagKind::window_not_multiple, a.window->range,
                        {formatDuration(w.overNs), formatDuration(w.everyNs)});
      return;
    }
    record(a, *m, w);
  }

private:
  uint64_t duration(Expr *e, const char *what) {
    auto c = evaluateConstant(ctx_, e);
    if (!c) {
      ctx_.diags.report(DiagKind::not_constant, e->range,
                        {std::string("the window length after '") + what + "'"});
      return 0;
    }
    if (c->isString || c->quantity.base != Quantity::Duration || c->quantity.perSecond) {
      ctx_.diags.report(DiagKind::bad_window, e->range, {what})
          .note(e->range, "this is " + (c->isString ? std::string("a string")
                                                      : c->quantity.describe()));
      return 0;
    }
    if (c->value <= 0) {
      ctx_.diags.report(DiagKind::bad_window, e->range, {what})
          .note("a window must be longer than zero");
      return 0;
    }
    return toUint64(c->value);
  }

  void record(Assign &a, MapRef &m, Window w) {
    auto it = ctx_.maps.find("@" + m.name);
    if (it == ctx_.maps.end())
      return;
    MapInfo &info = it->second;
    auto seen = firstWindow_.find(info.name);
    if (seen == firstWindow_.end()) {
      info.window = w;
      firstWindow_.emplace(info.name, a.window ? a.window->range : a.target->range);
      return;
    }
    if (info.window.overNs != w.overNs || info.window.everyNs != w.everyNs) {
      auto show = [](Window x) {
        if (!x.present())
          return std::string("no window");
        return formatDuration(x.overNs) +
               (x.everyNs != x.overNs ? " every " + formatDuration(x.everyNs) : "");
      };
      ctx_.diags.report(DiagKind::window_mismatch, a.window ? a.window->range : a.target->range,
                        {info.name, show(w), show(info.window)})
          .note(seen->second, "first windowed here");
    }
  }

  SemaContext &ctx_;
  std::map<std::string, SourceRange> firstWindow_;
};

} // namespace

void checkWindows(SemaContext &ctx) {
  WindowChecker w(ctx);
  for (Probe *p : ctx.ast.program.probes)
    w.visit(p->body);
}

} // namespace obs
