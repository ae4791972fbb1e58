//===- host_program.cpp - a whole script running on the host --------------===//

#include "codegen/host/host_program.h"

#include "codegen/host/alert_lowering.h"
#include "codegen/host/host_jit.h"
#include "codegen/host/host_module.h"
#include "lang/sema/catalog/catalog.h"
#include "lang/sema/units.h"
#include "runtime/output/format.h"
#include "runtime/output/printer.h"
#include "runtime/output/window_adapter.h"

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <unordered_map>

namespace obs {

using window::KeyId;
using window::MapId;
using window::WindowFunction;

namespace {

constexpr uint32_t kPtRegsArgs[] = {112, 104, 96, 88, 72, 64}; // x86-64 pt_regs
constexpr uint32_t kPtRegsAx = 80;
constexpr uint32_t kPtRegsSize = 168;

std::vector<KeyPart> decodeKey(const std::vector<contract::KeyField> &fields,
                               const uint8_t *bytes) {
  std::vector<KeyPart> parts;
  for (const contract::KeyField &f : fields) {
    const uint8_t *p = bytes + f.offset;
    int64_t v = 0;
    std::memcpy(&v, p, std::min<uint32_t>(8, f.size));
    switch (f.kind) {
    case contract::KeyField::Kind::Int: parts.push_back(KeyPart::ofInt(v)); break;
    case contract::KeyField::Kind::String:
      parts.push_back(KeyPart::ofString(
          std::string(reinterpret_cast<const char *>(p), strnlen(reinterpret_cast<const char *>(p), f.size))));
      break;
    default: parts.push_back(KeyPart::ofUint(uint64_t(v))); break;
    }
  }
  return parts;
}

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

struct HostProgram::Impl {
  SemaContext &sema;
  ProbeCatalog &catalog;
  output::OutputFormat &out;
  HostProgramOptions opts;
  host::HostRuntime rt;
  std::unique_ptr<HostJit> jit;
  HostModule hm;
  window::TimeEngine engine{window::TimeEngine::Options{1, 0}};
  bool exitRequested = false;

  using ProbeFn = int64_t (*)(void *);
  struct Program {
    ProbeFn fn = nullptr;
    contract::AttachKind kind;
    const Type *record = nullptr; ///< tracepoint args
  };
  std::unordered_map<std::string, std::vector<Program>> programs; ///< by canonical probe
  std::vector<Program> beginProgs, endProgs;
  std::string defaultProbe;

  // Windowed maps: engine id <-> script map index.
  std::vector<int> scriptOfEngine;            ///< engine map id -> ObjectSpec::maps index
  std::map<std::string, int> engineOfName;    ///< "@forks" -> engine map id
  std::vector<int64_t> consumedSeq;           ///< per engine map: highest seq merged
  std::vector<uint64_t> lateSeen;             ///< per engine map: obs_late already counted
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

  // Memory of the current event's context.
  std::vector<uint64_t> ctxBuf;
  std::vector<std::string> strings;

  Impl(SemaContext &s, ProbeCatalog &c, output::OutputFormat &o, const HostProgramOptions &op)
      : sema(s), catalog(c), out(o), opts(op) {}

  const contract::MapSpec *specOf(const std::string &name) const {
    for (const contract::MapSpec &m : hm.spec.maps)
      if (m.name == name)
        return &m;
    return nullptr;
  }

  //===-- Setup --------------------------------------------------------===//

  bool setup(std::string &error) {
    jit = HostJit::create(error);
    if (!jit)
      return false;
    if (const Type *task = catalog.btfType("struct task_struct")) {
      const Field *parent = task->field("real_parent");
      const Field *tgid = task->field("tgid");
      if (parent && tgid)
        rt.setTaskLayout(task->size, parent->offset, tgid->offset);
    }
    // No alerts: the host runtime captures exemplars itself (latest, or the
    // crossing of a threshold), so the kernel's exemplar maps are not made.
    CodegenInput in{sema.ast.program,
                    sema.maps,
                    sema.sources,
                    &sema.params,
                    &sema.options.positional,
                    [this](const std::string &n) { return sema.catalog.btfType(n); },
                    nullptr,
                    [this](const std::string &f) {
                      std::string err;
                      auto sig = sema.catalog.kernelFunction(f, err);
                      return sig ? int(sig->params.size()) : -1;
                    },
                    nullptr};
    if (!lowerToHostModule(in, sema.diags, rt, jit->dataLayout(), jit->triple(), hm, opts.pid))
      return false;
    setupWindows();
    if (!setupAlerts(error))
      return false;
    auto syms = host::HostRuntime::symbols();
    syms.push_back({"obs_host_window_read", reinterpret_cast<void *>(&windowReadThunk)});
    syms.push_back({"obs_host_alert_emit", reinterpret_cast<void *>(&alertEmitThunk)});
    if (!jit->defineAbsolute(syms, error))
      return false;
    if (opts.dumpIr) {
      llvm::raw_string_ostream os(*opts.dumpIr);
      hm.module->print(os, nullptr);
    }
    if (!jit->addModule(std::move(hm.module), std::move(hm.context), error))
      return false;
    if (!bindPrograms(error))
      return false;
    for (auto &a : alerts) {
      a->cond = reinterpret_cast<int (*)(AlertCallCtx *)>(jit->lookup(a->plan.function, error));
      if (!a->cond)
        return false;
      if (!a->bodyFunction.empty()) {
        a->body = reinterpret_cast<void (*)(AlertCallCtx *)>(jit->lookup(a->bodyFunction, error));
        if (!a->body)
          return false;
      }
    }
    if (opts.verbose) {
      size_t bodies = 0;
      for (auto &a : alerts)
        bodies += a->body != nullptr;
      std::cerr << "obsc: JIT compiled " << hm.spec.programs.size() << " probe program(s), "
                << alerts.size() << " alert condition(s) and " << bodies << " alert body(ies) in "
                << output::formatNumber(jit->compileMs()) << " ms\n";
    }
    rt.ringbufSink = [this](const uint8_t *rec, size_t size) { onRecord(rec, size); };
    return true;
  }

  void setupWindows() {
    std::map<std::string, const Call *> calls;
    for (Probe *p : sema.ast.program.probes)
      findAggregations(p->body, calls);
    std::set<std::string> alertMaps;
    std::map<std::string, double> thresholds;
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
      // `@m[...] > CONST`: the threshold the exemplar is taken at.
      std::function<void(const Expr *)> cmp = [&](const Expr *e) {
        auto *b = e ? e->as<Binary>() : nullptr;
        if (!b)
          return;
        if (b->op == BinaryOp::LogAnd || b->op == BinaryOp::LogOr) {
          cmp(b->lhs);
          cmp(b->rhs);
        } else if (b->op == BinaryOp::Gt || b->op == BinaryOp::Ge) {
          auto *m = b->lhs->as<MapRef>();
          auto c = m ? evaluateConstant(sema, b->rhs) : std::nullopt;
          if (m && c && !c->isString)
            thresholds.emplace(mapKeyName(m->name),
                               b->op == BinaryOp::Ge ? c->value - 1 : c->value);
        }
      };
      cmp(a->cond);
    }
    for (size_t i = 0; i < hm.spec.maps.size(); ++i) {
      const contract::MapSpec &ms = hm.spec.maps[i];
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
      auto th = thresholds.find(ms.name);
      if (th != thresholds.end() &&
          (ws.function == WindowFunction::Count || ws.function == WindowFunction::Rate)) {
        // For rate, the threshold is per second: times the window in seconds.
        double raw = th->second;
        if (ws.function == WindowFunction::Rate)
          raw *= double(ws.overNs) / 1e9;
        if (raw >= 0 && raw < 9e18) {
          int64_t t = int64_t(raw); // the count first exceeds t at event t + 1
          ws.hasExemplarThreshold = true;
          ws.exemplarThreshold = t;
          hm.scriptMaps[i]->exemplarThreshold = t;
        }
      }
      hm.scriptMaps[i]->everyNs = ms.everyNs;
      MapId id = engine.addMap(ws);
      scriptOfEngine.push_back(int(i));
      engineOfName[ms.name] = int(id);
      consumedSeq.push_back(0);
      lateSeen.push_back(0);
      readByAlert.push_back(alertMaps.count(ms.name) != 0);
    }
    engine.onSlotDue([this](MapId m, uint64_t slot) { readSlot(m, int64_t(slot) + 1); });
    engine.onWindow([this](const window::WindowResult &r) { onWindow(r); });
    engine.onAlert([this](const window::AlertTransition &t) { onAlert(t); });
  }

  bool setupAlerts(std::string &error) {
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
      if (!lowerAlertCondition(*hm.module, run->plan, sema, layout, ids, error))
        return false;
      std::string bodyError;
      std::string bodyName = "obs_alert_body_" + std::to_string(i);
      if (lowerAlertBody(*hm.module, run->plan, bodyName, sema, layout, ids, run->bodyCalls,
                         bodyError))
        run->bodyFunction = bodyName;
      else if (opts.verbose)
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

  bool bindPrograms(std::string &error) {
    std::set<std::string> probes;
    for (const contract::ProgramSpec &ps : hm.spec.programs) {
      Program p;
      p.kind = ps.kind;
      p.fn = reinterpret_cast<ProbeFn>(jit->lookup(ps.name, error));
      if (!p.fn)
        return false;
      using AK = contract::AttachKind;
      std::string canon;
      switch (ps.kind) {
      case AK::Begin: beginProgs.push_back(p); continue;
      case AK::End: endProgs.push_back(p); continue;
      case AK::Tracepoint: {
        canon = "tracepoint:" + ps.target + ":" + ps.func;
        std::string err;
        p.record = catalog.tracepointArgs(ps.target, ps.func, err);
        break;
      }
      case AK::RawTracepoint: canon = "rawtracepoint:" + ps.func; break;
      case AK::Kprobe: canon = "kprobe:" + ps.func; break;
      case AK::Kretprobe: canon = "kretprobe:" + ps.func; break;
      case AK::Fentry: canon = "fentry:" + ps.func; break;
      case AK::Fexit: canon = "fexit:" + ps.func; break;
      case AK::Uprobe: canon = "uprobe:" + ps.target + ":" + ps.func; break;
      case AK::Uretprobe: canon = "uretprobe:" + ps.target + ":" + ps.func; break;
      case AK::PerfEvent: canon = ps.probe; break;
      }
      programs[canon].push_back(p);
      if (ps.kind != AK::PerfEvent || ps.probe.rfind("interval", 0) != 0)
        probes.insert(canon);
    }
    if (probes.size() == 1)
      defaultProbe = *probes.begin();
    return true;
  }

  //===-- Windows: reading the host maps' slots --------------------------===//

  void readSlot(MapId m, int64_t seq) {
    const contract::MapSpec &ms = hm.spec.maps[size_t(scriptOfEngine[m])];
    host::HostMap &h = *hm.scriptMaps[size_t(scriptOfEngine[m])];
    window::WindowedMap &wm = engine.map(m);
    bool ex = wm.spec().exemplars;
    uint32_t userKey = ms.keySize - 8;
    uint64_t late = 0;
    for (uint32_t id = 0; id < h.slots.size(); ++id) {
      host::HostMap::Entry &e = h.slots[id];
      if (!e.present)
        continue;
      int64_t have = int64_t(e.value[0]);
      // A slot due now, or one written after it was read (an event older
      // than the watermark): merged into the windows of that slot still
      // open, and counted late by the engine when none is (spec §15.1).
      if (have == seq || (have > 0 && have <= consumedSeq[m])) {
        KeyId k = engine.key(m, h.keyOf(id));
        wm.mergeKernelPartial(k, e.value.get(), ex ? &e.exemplar : nullptr);
        h.erase(id);
      }
    }
    (void)userKey;
    consumedSeq[m] = std::max(consumedSeq[m], seq);
    if (hm.lateMap && size_t(ms.name.empty() ? 0 : scriptOfEngine[m]) < hm.lateMap->slots.size()) {
      uint64_t total = hm.lateMap->slots[size_t(scriptOfEngine[m])].value[0];
      late += total - lateSeen[m];
      lateSeen[m] = total;
    }
    if (late)
      engine.recordLoss(m, window::LossKind::Late, uint64_t(seq - 1) * ms.everyNs, late);
  }

  /// At the end: every slot not read yet, so partial windows have their data.
  void readRemaining() {
    for (MapId m = 0; m < scriptOfEngine.size(); ++m) {
      host::HostMap &h = *hm.scriptMaps[size_t(scriptOfEngine[m])];
      std::set<int64_t> seqs;
      for (const host::HostMap::Entry &e : h.slots)
        if (e.present && int64_t(e.value[0]) > consumedSeq[m])
          seqs.insert(int64_t(e.value[0]));
      for (int64_t s : seqs)
        readSlot(m, s);
    }
  }

  std::vector<KeyPart> keyParts(MapId m, KeyId k) {
    const contract::MapSpec &ms = hm.spec.maps[size_t(scriptOfEngine[m])];
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
    if (t.kind == K::Pending && !opts.verbose)
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

  //===-- Probe bodies ------------------------------------------------------===//

  void setEvent(const replay::ReplayEvent &ev, uint64_t ts) {
    rt.nowNs = engine.originNs() + ts;
    rt.pid = ev.pid;
    rt.tid = ev.tid;
    rt.uid = ev.uid;
    rt.gid = ev.gid;
    rt.cpu = ev.cpu;
    rt.cgroup = ev.cgroup;
    rt.setEventContext(ev.comm, ev.ppid);
  }

  /// The string a pointer argument points to, in memory probe reads may copy.
  uint64_t stringPointer(const std::string &s) {
    strings.push_back(s);
    const std::string &kept = strings.back();
    uintptr_t p = reinterpret_cast<uintptr_t>(kept.c_str());
    rt.readable.push_back({p, p + kept.size() + 1});
    return p;
  }

  uint64_t argWord(const replay::ReplayValue &v) {
    if (v.kind == replay::ReplayValue::Kind::String)
      return stringPointer(v.s);
    if (v.kind == replay::ReplayValue::Kind::IntArray)
      return v.array.empty() ? 0 : uint64_t(v.array[0]);
    return uint64_t(v.i);
  }

  void *buildContext(const Program &p, const replay::ReplayEvent &ev) {
    using AK = contract::AttachKind;
    strings.clear();
    strings.reserve(ev.args.size() + 1);
    rt.readable.clear();
    size_t bytes = 256;
    if (p.kind == AK::Tracepoint && p.record)
      bytes = std::max<size_t>(p.record->size, 8);
    // Dynamic (__data_loc) strings go after the fixed record.
    size_t dyn = 0;
    for (const replay::ReplayArg &a : ev.args)
      if (a.value.kind == replay::ReplayValue::Kind::String)
        dyn += a.value.s.size() + 1;
    ctxBuf.assign((bytes + dyn + 7) / 8 + 1, 0);
    uint8_t *base = reinterpret_cast<uint8_t *>(ctxBuf.data());
    uintptr_t b = reinterpret_cast<uintptr_t>(base);
    rt.readable.push_back({b, b + bytes + dyn});
    auto put = [&](uint32_t off, uint64_t v, uint32_t size) {
      if (off + size <= bytes)
        std::memcpy(base + off, &v, std::min<uint32_t>(size, 8));
    };
    switch (p.kind) {
    case AK::Tracepoint: {
      if (!p.record)
        break;
      size_t dynAt = bytes;
      for (const Field &f : p.record->recordFields()) {
        const replay::ReplayValue *v = ev.arg(f.name);
        if (!v || !f.type)
          continue;
        const Type *t = f.type;
        if ((t->kind == TypeKind::String || t->kind == TypeKind::Buffer) && t->size == 0) {
          // __data_loc: (length << 16) | offset, bytes after the record.
          std::string s = v->kind == replay::ReplayValue::Kind::String ? v->s : "";
          std::memcpy(base + dynAt, s.c_str(), s.size() + 1);
          uint32_t loc = uint32_t((s.size() + 1) << 16 | dynAt);
          put(f.offset, loc, 4);
          dynAt += s.size() + 1;
        } else if (t->kind == TypeKind::String) {
          if (v->kind == replay::ReplayValue::Kind::String)
            std::memcpy(base + f.offset, v->s.data(), std::min<size_t>(v->s.size(), t->size - 1));
        } else if (t->kind == TypeKind::Array) {
          uint32_t n = t->count ? t->count : 1;
          uint32_t es = t->size / n;
          for (uint32_t i = 0; i < n; ++i) {
            int64_t x = v->kind == replay::ReplayValue::Kind::IntArray
                            ? (i < v->array.size() ? v->array[i] : 0)
                            : (i == 0 ? v->i : 0);
            put(f.offset + i * es, uint64_t(x), es);
          }
        } else {
          uint32_t size = t->kind == TypeKind::Integer && t->bits ? t->bits / 8 : 8;
          put(f.offset, argWord(*v), size);
        }
      }
      break;
    }
    case AK::Kprobe:
    case AK::Kretprobe:
    case AK::Uprobe:
    case AK::Uretprobe:
      for (size_t i = 0; i < ev.args.size() && i < std::size(kPtRegsArgs); ++i)
        put(kPtRegsArgs[i], argWord(ev.args[i].value), 8);
      if (ev.hasRetval)
        put(kPtRegsAx, uint64_t(ev.retval), 8);
      (void)kPtRegsSize;
      break;
    case AK::RawTracepoint:
    case AK::Fentry:
    case AK::Fexit:
      for (size_t i = 0; i < ev.args.size() && 8 * i + 8 <= bytes; ++i)
        put(uint32_t(8 * i), argWord(ev.args[i].value), 8);
      break;
    default:
      break;
    }
    return base;
  }

  bool run(const replay::ReplayEvent &ev) {
    auto it = programs.find(ev.probe);
    if (it == programs.end())
      return false;
    setEvent(ev, ev.ts);
    for (const Program &p : it->second) {
      void *ctx = buildContext(p, ev);
      p.fn(ctx);
    }
    return true;
  }

  void runSpecial(const std::vector<Program> &progs, uint64_t ts) {
    replay::ReplayEvent ev;
    ev.pid = ev.tid = 0;
    ev.ts = ts;
    setEvent(ev, ts);
    for (const Program &p : progs)
      p.fn(buildContext(p, ev));
  }

  //===-- Ring-buffer records ------------------------------------------------===//

  void onRecord(const uint8_t *rec, size_t size) {
    if (size < sizeof(contract::EventHeader))
      return;
    contract::EventHeader h;
    std::memcpy(&h, rec, sizeof h);
    using EK = contract::EventKind;
    switch (EK(h.kind)) {
    case EK::Printf:
      if (h.id < hm.spec.formats.size())
        out.printPrintf(output::formatPrintfRecord(hm.spec.formats[h.id], rec, size));
      break;
    case EK::Exit:
      exitRequested = true;
      break;
    case EK::Time:
      if (h.id < hm.spec.formats.size())
        out.printTime(hm.spec.formats[h.id].format,
                      output::WallTime(std::chrono::duration_cast<output::WallTime::duration>(
                          std::chrono::nanoseconds(rt.nowNs))));
      break;
    case EK::Print:
      printMap(h.id);
      break;
    case EK::Join:
      // join(argv[, sep]): kJoinArgs strings after the header, empty after
      // the last; the separator is the format.
      if (h.id < hm.spec.formats.size()) {
        std::string text;
        const char *p = reinterpret_cast<const char *>(rec + sizeof h);
        for (uint32_t i = 0; i < contract::kJoinArgs; ++i) {
          size_t off = sizeof h + size_t(i) * contract::kJoinArgSize;
          if (off + contract::kJoinArgSize > size)
            break;
          const char *a = p + size_t(i) * contract::kJoinArgSize;
          size_t n = strnlen(a, contract::kJoinArgSize);
          if (n == 0)
            break;
          if (i)
            text += hm.spec.formats[h.id].format;
          text.append(a, n);
        }
        out.printPrintf(text + "\n");
      }
      break;
    case EK::Clear:
    case EK::Zero:
      if (h.id < hm.scriptMaps.size() && !hm.spec.maps[h.id].windowed) {
        host::HostMap &m = *hm.scriptMaps[h.id];
        if (m.array || EK(h.kind) == EK::Zero) {
          for (auto &e : m.slots)
            if (e.present)
              std::memset(e.value.get(), 0, m.valueSize);
        } else {
          m.clear();
        }
      }
      break;
    }
  }

  //===-- Plain maps: print() and the exit dump -------------------------------===//

  bool dumpMap(uint32_t index, MapDump &d) {
    const contract::MapSpec &ms = hm.spec.maps[index];
    host::HostMap &m = *hm.scriptMaps[index];
    using VK = contract::ValueKind;
    d.name = ms.name;
    d.isSigned = ms.valueSigned;
    d.lhistMin = ms.lhistMin;
    d.lhistMax = ms.lhistMax;
    d.lhistStep = ms.lhistStep;
    switch (ms.kind) {
    case VK::Count: d.kind = MapValueKind::Count; break;
    case VK::Sum: d.kind = MapValueKind::Sum; break;
    case VK::Min: d.kind = MapValueKind::Min; break;
    case VK::Max: d.kind = MapValueKind::Max; break;
    case VK::Avg: d.kind = MapValueKind::Avg; break;
    case VK::Stats: d.kind = MapValueKind::Stats; break;
    case VK::Hist: d.kind = MapValueKind::Hist; break;
    case VK::Lhist: d.kind = MapValueKind::Lhist; break;
    default: d.kind = MapValueKind::Plain; break;
    }
    auto entry = [&](const uint8_t *key, const uint64_t *val) {
      MapEntry e;
      if (key)
        e.key = decodeKey(ms.key, key);
      const uint8_t *vb = reinterpret_cast<const uint8_t *>(val);
      int64_t first = int64_t(val[0]);
      switch (ms.kind) {
      case VK::Int:
      case VK::Count:
      case VK::Sum: e.value.scalar = first; break;
      case VK::Min:
      case VK::Max:
        if (!val[1])
          return;
        e.value.scalar = first;
        break;
      case VK::Avg:
      case VK::Stats:
        e.value.total = first;
        e.value.count = val[1];
        break;
      case VK::Hist:
      case VK::Lhist: e.value.buckets.assign(val, val + ms.valueSize / 8); break;
      case VK::String:
        e.value.isString = true;
        e.value.str.assign(reinterpret_cast<const char *>(vb),
                           strnlen(reinterpret_cast<const char *>(vb), ms.valueSize));
        break;
      case VK::Tuple:
        e.value.isTuple = true;
        e.value.tuple = decodeKey(ms.valueFields, vb);
        break;
      default: return;
      }
      d.entries.push_back(std::move(e));
    };
    if (m.array) {
      const uint64_t *v = m.slots[0].value.get();
      bool any = false;
      for (uint32_t i = 0; i < (ms.valueSize + 7) / 8; ++i)
        any |= v[i] != 0;
      if (any)
        entry(nullptr, v);
    } else {
      for (uint32_t id = 0; id < m.slots.size(); ++id)
        if (m.slots[id].present)
          entry(m.keyOf(id), m.slots[id].value.get());
    }
    return true;
  }

  void printMap(uint32_t index) {
    if (index >= hm.spec.maps.size())
      return;
    const contract::MapSpec &ms = hm.spec.maps[index];
    if (ms.windowed) {
      auto it = engineOfName.find(ms.name);
      if (it == engineOfName.end())
        return;
      const window::WindowResult &r = engine.lastWindow(MapId(it->second));
      if (!r.spec || r.endNs == 0)
        return;
      out.printWindow(output::windowDumpFrom(
          r, [this, &r](KeyId k) { return keyParts(r.map, k); }, quantityOf(ms.name)));
      return;
    }
    MapDump d;
    if (dumpMap(index, d))
      out.printMap(d);
  }

  void exitDump() {
    std::vector<MapDump> dumps;
    for (uint32_t i = 0; i < hm.spec.maps.size(); ++i) {
      if (hm.spec.maps[i].windowed)
        continue;
      MapDump d;
      if (dumpMap(i, d) && !d.entries.empty())
        dumps.push_back(std::move(d));
    }
    std::sort(dumps.begin(), dumps.end(),
              [](const MapDump &a, const MapDump &b) { return a.name < b.name; });
    for (size_t i = 0; i < dumps.size(); ++i) {
      if (i == 0)
        out.printExitSeparator();
      out.printMap(dumps[i]);
    }
  }
};

HostProgram::HostProgram(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HostProgram::~HostProgram() = default;

std::unique_ptr<HostProgram> HostProgram::create(SemaContext &sema, ProbeCatalog &catalog,
                                                 output::OutputFormat &out,
                                                 const HostProgramOptions &opts,
                                                 std::string &error) {
  auto impl = std::make_unique<Impl>(sema, catalog, out, opts);
  if (!impl->setup(error)) {
    return nullptr;
  }
  return std::unique_ptr<HostProgram>(new HostProgram(std::move(impl)));
}

window::TimeEngine &HostProgram::engine() { return impl_->engine; }
void HostProgram::begin() { impl_->runSpecial(impl_->beginProgs, 0); }
bool HostProgram::run(const replay::ReplayEvent &ev) { return impl_->run(ev); }
void HostProgram::end(uint64_t endNs) {
  Impl &i = *impl_;
  i.runSpecial(i.endProgs, endNs);
  i.engine.advanceIdle(i.engine.originNs() + endNs);
  i.readRemaining();
  i.engine.finish(i.engine.originNs() + endNs);
  i.exitDump();
}
bool HostProgram::exited() const { return impl_->exitRequested; }
std::string HostProgram::defaultProbe() const { return impl_->defaultProbe; }
double HostProgram::compileMs() const { return impl_->jit ? impl_->jit->compileMs() : 0; }
uint64_t HostProgram::zeroedReads() const { return impl_->rt.readsZeroed; }

} // namespace obs
