//===- window_session.cpp - windows and alerts of a program on the host ---===//
//
// Moved from host_program.cpp (obsc test) so that the live run
// (live_windows.cpp) sets up, evaluates and prints windows and alerts with
// the same code.
//
//===----------------------------------------------------------------------===//

#include "codegen/host/window_session.h"

#include "codegen/host/alert_lowering.h"
#include "codegen/host/host_jit.h"
#include "lang/sema/units.h"
#include "runtime/output/format.h"
#include "runtime/output/printer.h"
#include "runtime/maps.h"
#include "runtime/output/window_adapter.h"

#include <llvm/IR/Module.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <set>

namespace obs {

using window::KeyId;
using window::MapId;
using window::WindowFunction;

std::vector<KeyPart> decodeKey(const std::vector<contract::KeyField> &fields,
                               const uint8_t *bytes) {
  return decodeKeyParts(fields, bytes); // runtime/maps.h: every field kind
}


namespace {

WindowFunction functionOf(const Type *v) {
  bool hasArg = v && v->valueType;
  switch (v ? v->aggregation : AggregationKind::Count) {
  case AggregationKind::Count: return WindowFunction::Count;
  case AggregationKind::Sum: return WindowFunction::Sum;
  case AggregationKind::Avg: return WindowFunction::Avg;
  case AggregationKind::Min: return WindowFunction::Min;
  case AggregationKind::Max: return WindowFunction::Max;
  case AggregationKind::Stats: return WindowFunction::Stats;
  case AggregationKind::Hist: return WindowFunction::Hist;
  case AggregationKind::Lhist: return WindowFunction::Lhist;
  case AggregationKind::Rate: return hasArg ? WindowFunction::RateOf : WindowFunction::Rate;
  case AggregationKind::Slope: return WindowFunction::Slope;
  case AggregationKind::R2: return WindowFunction::R2;
  case AggregationKind::Predict: return WindowFunction::Predict;
  case AggregationKind::Quantile: return WindowFunction::Quantile;
  }
  return WindowFunction::Count;
}

/// The aggregation call assigned to each windowed map (quantile q, predict H).
void findAggregations(Block *b, std::map<std::string, const Call *> &out);
void findInStmt(Stmt *s, std::map<std::string, const Call *> &out) {
  if (!s)
    return;
  if (auto *a = s->as<Assign>()) {
    if (auto *m = a->target ? a->target->as<MapRef>() : nullptr)
      if (auto *c = a->value ? a->value->as<Call>() : nullptr)
        out.emplace(mapKeyName(m->name), c);
  } else if (auto *i = s->as<If>()) {
    findAggregations(i->then, out);
    findInStmt(i->otherwise, out);
  } else if (auto *u = s->as<Unroll>()) {
    findAggregations(u->body, out);
  } else if (auto *w = s->as<While>()) {
    findAggregations(w->body, out);
  } else if (auto *bs = s->as<BlockStmt>()) {
    findAggregations(bs->block, out);
  }
}
void findAggregations(Block *b, std::map<std::string, const Call *> &out) {
  if (b)
    for (Stmt *s : b->stmts)
      findInStmt(s, out);
}

/// A value in an alert body.
struct BodyValue {
  output::PrintfArg arg;
  bool defined = true;
  double number() const {
    switch (arg.kind) {
    case output::PrintfArg::Kind::Int: return double(arg.i);
    case output::PrintfArg::Kind::Uint: return double(arg.u);
    case output::PrintfArg::Kind::Float: return arg.f;
    default: return 0;
    }
  }
};

} // namespace

struct WindowSession::Impl {
  SemaContext &sema;
  output::OutputFormat &out;
  const contract::ObjectSpec &spec;
  int verbose;
  window::TimeEngine engine;

  // Windowed maps: engine id <-> script map index.
  std::vector<int> scriptOfEngine;            ///< engine map id -> ObjectSpec::maps index
  std::map<std::string, int> engineOfName;    ///< "@forks" -> engine map id
  std::vector<bool> readByAlert;

  struct AlertRun {
    AlertPlan plan;
    int (*cond)(AlertCallCtx *) = nullptr;
    /// The compiled body and its summary()/printf() calls; null when the
    /// body uses something only the evaluator below handles.
    void (*body)(AlertCallCtx *) = nullptr;
    std::string bodyFunction;
    std::vector<AlertBodyCall> bodyCalls;
  };
  std::vector<std::unique_ptr<AlertRun>> alerts;

  Impl(SemaContext &s, output::OutputFormat &o, const contract::ObjectSpec &sp, int v,
       window::TimeEngine::Options eo)
      : sema(s), out(o), spec(sp), verbose(v), engine(eo) {}

  const contract::MapSpec *specOf(const std::string &name) const {
    for (const contract::MapSpec &m : spec.maps)
      if (m.name == name)
        return &m;
    return nullptr;
  }

  void setupWindows(const WindowSession::MapHook &onMap) {
    std::map<std::string, const Call *> calls;
    for (Probe *p : sema.ast.program.probes)
      findAggregations(p->body, calls);
    std::set<std::string> alertMaps;
    for (const Alert *a : sema.ast.program.alerts) {
      AlertPlan tmp;
      tmp.alert = a;
      std::vector<std::string> reads;
      std::function<void(const Expr *)> walk = [&](const Expr *e) {
        if (!e)
          return;
        if (auto *m = e->as<MapRef>())
          alertMaps.insert(mapKeyName(m->name));
        if (auto *b = e->as<Binary>()) { walk(b->lhs); walk(b->rhs); }
        if (auto *u = e->as<Unary>()) walk(u->operand);
        if (auto *c = e->as<Call>()) for (const Expr *x : c->args) walk(x);
      };
      walk(a->cond);
    }
    for (size_t i = 0; i < spec.maps.size(); ++i) {
      const contract::MapSpec &ms = spec.maps[i];
      if (!ms.windowed)
        continue;
      auto mi = sema.maps.find(ms.name);
      const Type *v = mi != sema.maps.end() ? mi->second.value : nullptr;
      window::WindowSpec ws;
      ws.name = ms.name;
      ws.function = functionOf(v);
      ws.overNs = ms.overNs;
      ws.everyNs = ms.everyNs == ms.overNs ? 0 : ms.everyNs;
      ws.keySize = ms.keySize - 8;
      ws.lhistMin = ms.lhistMin;
      ws.lhistMax = ms.lhistMax;
      ws.lhistStep = ms.lhistStep;
      auto c = calls.find(ms.name);
      if (c != calls.end() && c->second->args.size() >= 2) {
        if (auto q = evaluateConstant(sema, c->second->args[1])) {
          if (ws.function == WindowFunction::Quantile)
            ws.quantile = q->value;
          if (ws.function == WindowFunction::Predict)
            ws.predictNs = uint64_t(q->value);
        }
      }
      ws.exemplars = alertMaps.count(ms.name) != 0;
      // `@m[...] > CONST` on a count or rate: the exemplar is the event
      // that takes a slot's count past it (as the kernel takes it).
      if (mi != sema.maps.end())
        if (auto t = exemplarThreshold(sema.alerts, mi->second)) {
          ws.hasExemplarThreshold = true;
          ws.exemplarThreshold = *t;
        }
      MapId id = engine.addMap(ws);
      scriptOfEngine.push_back(int(i));
      engineOfName[ms.name] = int(id);
      readByAlert.push_back(alertMaps.count(ms.name) != 0);
      if (onMap)
        onMap(i, ws);
    }
    engine.onWindow([this](const window::WindowResult &r) { onWindow(r); });
    engine.onAlert([this](const window::AlertTransition &t) { onAlert(t); });
  }

  bool setupAlerts(llvm::Module &module, std::string &error) {
    MapKeyLayout layout = [this](const std::string &n) -> const contract::MapSpec * {
      const contract::MapSpec *m = specOf(n);
      return m && m->windowed ? m : nullptr;
    };
    MapEngineId ids = [this](const std::string &n) {
      auto it = engineOfName.find(n);
      return it == engineOfName.end() ? -1 : it->second;
    };
    auto &alertAsts = sema.ast.program.alerts;
    for (size_t i = 0; i < alertAsts.size() && i < sema.alerts.size(); ++i) {
      auto run = std::make_unique<AlertRun>();
      run->plan.function = "obs_alert_" + std::to_string(i);
      if (!planAlert(*alertAsts[i], sema.alerts[i], layout, sema, run->plan, error))
        return false;
      if (!lowerAlertCondition(module, run->plan, sema, layout, ids, error))
        return false;
      std::string bodyError;
      std::string bodyName = "obs_alert_body_" + std::to_string(i);
      if (lowerAlertBody(module, run->plan, bodyName, sema, layout, ids, run->bodyCalls,
                         bodyError))
        run->bodyFunction = bodyName;
      else if (verbose)
        std::cerr << "obsc: " << bodyError << "; it is evaluated instead\n";
      window::AlertSpec as;
      as.name = run->plan.alert->name;
      for (const std::string &m : run->plan.mapsRead)
        as.maps.push_back(MapId(ids(m)));
      as.forNs = sema.alerts[i].forNs;
      as.cooldownNs = sema.alerts[i].cooldownNs;
      as.peakIsMin = run->plan.peakIsMin;
      AlertRun *r = run.get();
      MapId primary = as.maps[0];
      as.condition = [this, r, primary](const window::WindowResult &, KeyId key,
                                        const window::TimeEngine &eng) {
        AlertCallCtx c;
        c.reader = this;
        c.key = eng.map(primary).keys().keySize() ? eng.map(primary).keys().bytes(key) : nullptr;
        window::AlertEval ev;
        for (const auto &[off, bytes] : r->plan.primaryConstants)
          if (c.key && std::memcmp(c.key + off, bytes.data(), bytes.size()) != 0)
            return ev; // not an instance of this alert: @m[$a, 1] and key (a, 2)
        ev.holds = r->cond(&c) != 0;
        ev.value = c.value;
        return ev;
      };
      engine.addAlert(std::move(as));
      alerts.push_back(std::move(run));
    }
    return true;
  }

  std::vector<KeyPart> keyParts(MapId m, KeyId k) {
    const contract::MapSpec &ms = spec.maps[size_t(scriptOfEngine[m])];
    if (ms.key.empty())
      return {};
    return decodeKey(ms.key, engine.map(m).keys().bytes(k));
  }

  Quantity quantityOf(const std::string &map) {
    auto mi = sema.maps.find(map);
    return mi != sema.maps.end() && mi->second.value ? mi->second.value->quantity : Quantity{};
  }

  void onWindow(const window::WindowResult &r) {
    if (readByAlert[r.map])
      return; // spec §13.3: printed only by print()
    if (r.entries.empty() && !r.degraded())
      return; // no keys and no loss: nothing, in either format
    out.printWindow(output::windowDumpFrom(
        r, [this, &r](KeyId k) { return keyParts(r.map, k); }, quantityOf(r.spec->name)));
  }


  //===-- Alerts ----------------------------------------------------------===//

  std::optional<double> readWindow(MapId m, const uint8_t *key, WindowRead what,
                                   uint64_t horizon) {
    const window::WindowResult &w = engine.lastWindow(m);
    static const uint8_t none = 0; // keyless maps: the table ignores the bytes
    KeyId k = engine.map(m).keys().find(key ? key : &none);
    switch (what) {
    case WindowRead::R2: return window::readWindowR2(w, k);
    case WindowRead::Predict: return window::readWindowPredict(w, k, horizon);
    default: return window::readWindowValue(w, k);
    }
  }

  static double windowReadThunk(AlertCallCtx *c, uint32_t map, const uint8_t *key, uint32_t what,
                                uint64_t horizon, uint8_t *defined) {
    auto *self = static_cast<Impl *>(c->reader);
    auto v = self->readWindow(MapId(map), key, WindowRead(what), horizon);
    *defined = v.has_value();
    return v.value_or(0);
  }

  /// summary()/printf() of a compiled body: arguments from the JIT code.
  static void alertEmitThunk(AlertCallCtx *c, uint32_t call, const AlertBodyArg *args,
                             uint32_t n) {
    auto *self = static_cast<Impl *>(c->reader);
    BodyEnv *env = self->currentBody;
    if (!env || call >= env->alert->bodyCalls.size())
      return;
    std::vector<output::PrintfArg> pa;
    for (uint32_t i = 0; i < n; ++i) {
      const AlertBodyArg &a = args[i];
      output::PrintfArg x;
      switch (a.kind) {
      case AlertBodyArg::Uint: x = output::PrintfArg::ofUint(uint64_t(a.bits)); break;
      case AlertBodyArg::Float: {
        double d;
        std::memcpy(&d, &a.bits, 8);
        x = output::PrintfArg::ofFloat(d);
        break;
      }
      case AlertBodyArg::String: {
        const char *s = reinterpret_cast<const char *>(a.bits);
        x = output::PrintfArg::ofString(s ? s : "");
        break;
      }
      default: x = output::PrintfArg::ofInt(a.bits); break;
      }
      x.quantity.base = Quantity::Base(a.quantity & 0xff);
      x.quantity.perSecond = (a.quantity >> 8) & 1;
      pa.push_back(std::move(x));
    }
    const AlertBodyCall &bc = env->alert->bodyCalls[call];
    std::string text = output::formatPrintf(bc.format, pa);
    if (bc.summary) {
      env->summary = std::move(text);
      env->hasSummary = true;
    } else {
      env->printed.push_back(std::move(text));
    }
  }

  /// Key bytes of map `name` for a read `@m[k...]` in an alert, from the
  /// instance's primary key.
  bool keyBytesFor(const AlertRun &a, const MapRef &ref, const uint8_t *instKey,
                   std::vector<uint8_t> &bytes) {
    const contract::MapSpec *ms = specOf(mapKeyName(ref.name));
    if (!ms)
      return false;
    bytes.assign(ms->keySize >= 8 ? ms->keySize - 8 : 0, 0);
    for (size_t i = 0; i < ref.keys.size() && i < ms->key.size(); ++i) {
      const contract::KeyField &f = ms->key[i];
      if (auto *v = ref.keys[i]->as<Variable>()) {
        for (const KeyVariable &kv : a.plan.keyVars)
          if (kv.name == "$" + v->name && instKey)
            std::memcpy(bytes.data() + f.offset, instKey + kv.field.offset,
                        std::min(f.size, kv.field.size));
      } else if (auto c = evaluateConstant(sema, ref.keys[i])) {
        if (c->isString)
          std::memcpy(bytes.data() + f.offset, c->text.data(),
                      std::min<size_t>(c->text.size(), f.size ? f.size - 1 : 0));
        else {
          int64_t x = int64_t(c->value);
          std::memcpy(bytes.data() + f.offset, &x, 8);
        }
      }
    }
    return true;
  }

  struct BodyEnv {
    const AlertRun *alert;
    const window::AlertTransition *t;
    std::map<std::string, BodyValue> vars;
    std::string summary;
    bool hasSummary = false;
    std::vector<std::string> printed;
  };
  BodyEnv *currentBody = nullptr;

  BodyValue keyVarValue(const KeyVariable &kv, const uint8_t *key) {
    BodyValue v;
    const uint8_t *p = key + kv.field.offset;
    if (kv.field.kind == contract::KeyField::Kind::String) {
      v.arg = output::PrintfArg::ofString(std::string(
          reinterpret_cast<const char *>(p), strnlen(reinterpret_cast<const char *>(p), kv.field.size)));
    } else {
      int64_t x;
      std::memcpy(&x, p, 8);
      v.arg = kv.field.kind == contract::KeyField::Kind::Int ? output::PrintfArg::ofInt(x)
                                                             : output::PrintfArg::ofUint(uint64_t(x));
      if (kv.type)
        v.arg.quantity = kv.type->quantity;
    }
    return v;
  }

  BodyValue eval(const Expr *e, BodyEnv &env) {
    BodyValue out;
    const obs_exemplar &x = env.t->exemplar;
    if (!e)
      return out;
    if (auto *s = e->as<StringLit>()) {
      out.arg = output::PrintfArg::ofString(s->value);
      return out;
    }
    if (auto *v = e->as<Variable>()) {
      std::string n = "$" + v->name;
      for (const KeyVariable &kv : env.alert->plan.keyVars)
        if (kv.name == n && env.t->keyBytes)
          return keyVarValue(kv, env.t->keyBytes);
      auto it = env.vars.find(n);
      if (it != env.vars.end())
        return it->second;
      out.defined = false;
      return out;
    }
    if (auto *id = e->as<Identifier>()) {
      const std::string &n = id->name;
      auto u = [&](uint64_t v) { out.arg = output::PrintfArg::ofUint(v); return out; };
      if (n == "comm") {
        out.arg = output::PrintfArg::ofString(std::string(x.comm, strnlen(x.comm, sizeof x.comm)));
        return out;
      }
      if (n == "pid") return u(x.pid);
      if (n == "tid") return u(x.tid);
      if (n == "ppid") return u(x.ppid);
      if (n == "uid") return u(x.uid);
      if (n == "gid") return u(x.gid);
      if (n == "cpu") return u(x.cpu);
      if (n == "cgroup") return u(x.cgroup);
      if (n == "nsecs") return u(x.ts);
    }
    if (auto *m = e->as<MapRef>())
      return windowValue(*m, WindowRead::Value, 0, env);
    if (auto *c = e->as<Call>()) {
      auto *m = c->args.empty() ? nullptr : c->args[0]->as<MapRef>();
      if (m && c->name == "r2")
        return windowValue(*m, WindowRead::R2, 0, env);
      if (m && c->name == "predict" && c->args.size() == 2) {
        auto h = evaluateConstant(sema, c->args[1]);
        return windowValue(*m, WindowRead::Predict, h ? uint64_t(h->value) : 0, env);
      }
    }
    if (auto c = evaluateConstant(sema, e)) {
      if (c->isString)
        out.arg = output::PrintfArg::ofString(c->text);
      else if (e->type && e->type->kind == TypeKind::Float)
        out.arg = output::PrintfArg::ofFloat(c->value);
      else
        out.arg = output::PrintfArg::ofInt(int64_t(c->value));
      out.arg.quantity = c->quantity;
      return out;
    }
    if (auto *b = e->as<Binary>()) {
      BodyValue l = eval(b->lhs, env), r = eval(b->rhs, env);
      double a = l.number(), d = r.number();
      bool def = l.defined && r.defined;
      auto boolean = [&](bool v) { out.arg = output::PrintfArg::ofInt(v && def); return out; };
      switch (b->op) {
      case BinaryOp::Eq: return boolean(a == d);
      case BinaryOp::Ne: return boolean(a != d);
      case BinaryOp::Lt: return boolean(a < d);
      case BinaryOp::Le: return boolean(a <= d);
      case BinaryOp::Gt: return boolean(a > d);
      case BinaryOp::Ge: return boolean(a >= d);
      case BinaryOp::LogAnd: out.arg = output::PrintfArg::ofInt(a != 0 && d != 0); return out;
      case BinaryOp::LogOr: out.arg = output::PrintfArg::ofInt(a != 0 || d != 0); return out;
      default: break;
      }
      double n = 0;
      switch (b->op) {
      case BinaryOp::Add: n = a + d; break;
      case BinaryOp::Sub: n = a - d; break;
      case BinaryOp::Mul: n = a * d; break;
      case BinaryOp::Div: n = d != 0 ? a / d : 0; break;
      default: break;
      }
      bool isFloat = (e->type && e->type->kind == TypeKind::Float) ||
                     l.arg.kind == output::PrintfArg::Kind::Float ||
                     r.arg.kind == output::PrintfArg::Kind::Float;
      out.arg = isFloat ? output::PrintfArg::ofFloat(n) : output::PrintfArg::ofInt(int64_t(n));
      if (e->type)
        out.arg.quantity = e->type->quantity;
      out.defined = def;
      return out;
    }
    if (auto *u = e->as<Unary>()) {
      BodyValue v = eval(u->operand, env);
      if (u->op == UnaryOp::Not)
        out.arg = output::PrintfArg::ofInt(v.number() == 0);
      else if (u->op == UnaryOp::Neg) {
        out = v;
        if (v.arg.kind == output::PrintfArg::Kind::Float)
          out.arg.f = -v.arg.f;
        else
          out.arg = output::PrintfArg::ofInt(-int64_t(v.number()));
      }
      return out;
    }
    out.defined = false;
    return out;
  }

  BodyValue windowValue(const MapRef &m, WindowRead what, uint64_t h, BodyEnv &env) {
    BodyValue out;
    std::string name = mapKeyName(m.name);
    auto it = engineOfName.find(name);
    std::vector<uint8_t> key;
    if (it == engineOfName.end() || !keyBytesFor(*env.alert, m, env.t->keyBytes, key)) {
      out.defined = false;
      return out;
    }
    auto v = readWindow(MapId(it->second), key.empty() ? nullptr : key.data(), what, h);
    out.arg = output::PrintfArg::ofFloat(v.value_or(0));
    out.defined = v.has_value();
    Quantity q = quantityOf(name);
    if (what == WindowRead::R2)
      q = {};
    else if (what == WindowRead::Predict)
      q.perSecond = false;
    out.arg.quantity = q;
    return out;
  }

  void runBlock(const Block *b, BodyEnv &env) {
    if (!b)
      return;
    for (const Stmt *s : b->stmts)
      runStmt(s, env);
  }

  void runStmt(const Stmt *s, BodyEnv &env) {
    if (!s)
      return;
    if (auto *es = s->as<ExprStmt>()) {
      auto *c = es->expr ? es->expr->as<Call>() : nullptr;
      if (!c || c->args.empty())
        return;
      if (c->name != "summary" && c->name != "printf")
        return;
      auto *fmt = c->args[0]->as<StringLit>();
      if (!fmt)
        return;
      std::vector<output::PrintfArg> args;
      for (size_t i = 1; i < c->args.size(); ++i)
        args.push_back(eval(c->args[i], env).arg);
      std::string text = output::formatPrintf(fmt->value, args);
      if (c->name == "summary") {
        env.summary = text;
        env.hasSummary = true;
      } else {
        env.printed.push_back(text);
      }
    } else if (auto *a = s->as<Assign>()) {
      if (auto *v = a->target ? a->target->as<Variable>() : nullptr)
        env.vars["$" + v->name] = eval(a->value, env);
    } else if (auto *i = s->as<If>()) {
      if (eval(i->cond, env).number() != 0)
        runBlock(i->then, env);
      else
        runStmt(i->otherwise, env);
    } else if (auto *bs = s->as<BlockStmt>()) {
      runBlock(bs->block, env);
    }
  }

  std::string valueText(const BodyValue &v) {
    if (!v.defined)
      return "none";
    return output::formatQuantity(v.number(), v.arg.quantity);
  }

  /// `@forks[1234]` for a read in COND, with the instance's key.
  std::string readName(const MapRef &m, BodyEnv &env) {
    std::string s = mapKeyName(m.name);
    if (m.keys.empty())
      return s;
    s += "[";
    for (size_t i = 0; i < m.keys.size(); ++i) {
      BodyValue k = eval(m.keys[i], env);
      if (i)
        s += ", ";
      if (k.arg.kind == output::PrintfArg::Kind::String)
        s += k.arg.s;
      else if (k.arg.kind == output::PrintfArg::Kind::Uint)
        s += std::to_string(k.arg.u);
      else
        s += std::to_string(int64_t(k.number()));
    }
    return s + "]";
  }

  void collectReads(const Expr *e, BodyEnv &env,
                    std::vector<std::pair<std::string, BodyValue>> &reads) {
    if (!e)
      return;
    if (auto *m = e->as<MapRef>()) {
      std::string n = readName(*m, env);
      for (auto &r : reads)
        if (r.first == n)
          return;
      reads.push_back({n, windowValue(*m, WindowRead::Value, 0, env)});
      return;
    }
    if (auto *b = e->as<Binary>()) {
      collectReads(b->lhs, env, reads);
      collectReads(b->rhs, env, reads);
    } else if (auto *u = e->as<Unary>()) {
      collectReads(u->operand, env, reads);
    } else if (auto *c = e->as<Call>()) {
      for (const Expr *a : c->args)
        collectReads(a, env, reads);
    }
  }

  std::string defaultSummary(const AlertRun &a, BodyEnv &env,
                             const std::vector<std::pair<std::string, BodyValue>> &reads) {
    const Expr *cond = a.plan.alert->cond;
    const std::string &src = sema.sources.file(cond->range.file).text();
    std::string text = src.substr(cond->range.begin, cond->range.end - cond->range.begin);
    // Key variables by their values, so the line names the instance.
    for (const KeyVariable &kv : a.plan.keyVars) {
      if (!env.t->keyBytes)
        break;
      BodyValue v = keyVarValue(kv, env.t->keyBytes);
      std::string val = v.arg.kind == output::PrintfArg::Kind::String ? v.arg.s
                        : v.arg.kind == output::PrintfArg::Kind::Int ? std::to_string(v.arg.i)
                                                                      : std::to_string(v.arg.u);
      for (size_t p = text.find(kv.name); p != std::string::npos; p = text.find(kv.name, p)) {
        size_t end = p + kv.name.size();
        if (end < text.size() && (isalnum((unsigned char)text[end]) || text[end] == '_')) {
          p = end;
          continue;
        }
        text.replace(p, kv.name.size(), val);
        p += val.size();
      }
    }
    if (reads.empty())
      return text;
    text += " (";
    for (size_t i = 0; i < reads.size(); ++i)
      text += (i ? ", " : "") + reads[i].first + " = " + valueText(reads[i].second);
    return text + ")";
  }

  void onAlert(const window::AlertTransition &t) {
    using K = window::AlertTransition::Kind;
    if (t.kind == K::Pending && !verbose)
      return;
    const AlertRun &a = *alerts[t.alert];
    output::AlertRecord rec = output::alertRecordFrom(t, engine.originNs());
    BodyEnv env{&a, &t, {}, {}, false, {}};
    for (const KeyVariable &kv : a.plan.keyVars) {
      if (!t.keyBytes)
        break;
      BodyValue v = keyVarValue(kv, t.keyBytes);
      KeyPart p = v.arg.kind == output::PrintfArg::Kind::String ? KeyPart::ofString(v.arg.s)
                  : v.arg.kind == output::PrintfArg::Kind::Int  ? KeyPart::ofInt(v.arg.i)
                                                                : KeyPart::ofUint(v.arg.u);
      rec.key.push_back({kv.name.substr(1), p});
    }
    if (a.plan.peakExpr && a.plan.peakExpr->type)
      rec.peakQuantity = a.plan.peakExpr->type->quantity;
    std::vector<std::pair<std::string, BodyValue>> reads;
    if (t.kind == K::Firing) {
      collectReads(a.plan.alert->cond, env, reads);
      for (auto &[n, v] : reads)
        if (v.defined)
          rec.values.push_back({n, v.number()});
      if (a.body) {
        // comm in an exemplar may fill all 16 bytes: give the code a copy
        // that is always terminated.
        obs_exemplar x = t.exemplar;
        x.comm[sizeof x.comm - 1] = 0;
        AlertCallCtx c;
        c.reader = this;
        c.key = t.keyBytes;
        c.exemplar = &x;
        currentBody = &env;
        a.body(&c);
        currentBody = nullptr;
      } else {
        runBlock(a.plan.alert->body, env);
      }
      rec.summary = env.hasSummary ? env.summary : defaultSummary(a, env, reads);
    }
    out.printAlert(rec);
    for (const std::string &p : env.printed)
      out.printPrintf(p);
  }
};

WindowSession::WindowSession(SemaContext &sema, output::OutputFormat &out,
                             const contract::ObjectSpec &spec, int verbose,
                             window::TimeEngine::Options engineOptions)
    : impl_(std::make_unique<Impl>(sema, out, spec, verbose, engineOptions)) {}
WindowSession::~WindowSession() = default;

void WindowSession::setupWindows(const MapHook &onMap) { impl_->setupWindows(onMap); }
bool WindowSession::lowerAlerts(llvm::Module &module, std::string &error) {
  return impl_->setupAlerts(module, error);
}
void WindowSession::addSymbols(std::vector<std::pair<std::string, void *>> &syms) {
  syms.push_back({"obs_host_window_read", reinterpret_cast<void *>(&Impl::windowReadThunk)});
  syms.push_back({"obs_host_alert_emit", reinterpret_cast<void *>(&Impl::alertEmitThunk)});
}
bool WindowSession::bindAlerts(HostJit &jit, std::string &error) {
  for (auto &a : impl_->alerts) {
    a->cond = reinterpret_cast<int (*)(AlertCallCtx *)>(jit.lookup(a->plan.function, error));
    if (!a->cond)
      return false;
    if (!a->bodyFunction.empty()) {
      a->body = reinterpret_cast<void (*)(AlertCallCtx *)>(jit.lookup(a->bodyFunction, error));
      if (!a->body)
        return false;
    }
  }
  return true;
}
size_t WindowSession::alertCount() const { return impl_->alerts.size(); }
size_t WindowSession::alertBodyCount() const {
  size_t n = 0;
  for (auto &a : impl_->alerts)
    n += a->body != nullptr;
  return n;
}
window::TimeEngine &WindowSession::engine() { return impl_->engine; }
size_t WindowSession::mapCount() const { return impl_->scriptOfEngine.size(); }
int WindowSession::scriptIndex(MapId m) const { return impl_->scriptOfEngine[m]; }
int WindowSession::engineId(const std::string &name) const {
  auto it = impl_->engineOfName.find(name);
  return it == impl_->engineOfName.end() ? -1 : it->second;
}
void WindowSession::printLastWindow(const contract::MapSpec &ms) {
  Impl &i = *impl_;
  int id = engineId(ms.name);
  if (id < 0)
    return;
  const window::WindowResult &r = i.engine.lastWindow(MapId(id));
  if (!r.spec || r.endNs == 0)
    return;
  i.out.printWindow(output::windowDumpFrom(
      r, [&i, &r](KeyId k) { return i.keyParts(r.map, k); }, i.quantityOf(ms.name)));
}

} // namespace obs
