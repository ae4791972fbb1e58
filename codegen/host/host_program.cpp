//===- host_program.cpp - a whole script running on the host --------------===//

#include "codegen/host/host_program.h"

#include "codegen/host/alert_lowering.h"
#include "codegen/host/event_context.h"
#include "codegen/host/host_jit.h"
#include "codegen/host/host_module.h"
#include "codegen/host/window_session.h"
#include "lang/sema/catalog/catalog.h"
#include "lang/sema/catalog/elf_symbols.h"
#include "lang/sema/units.h"
#include "runtime/maps.h"
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

struct HostProgram::Impl {
  SemaContext &sema;
  ProbeCatalog &catalog;
  output::OutputFormat &out;
  HostProgramOptions opts;
  host::HostRuntime rt;
  std::unique_ptr<HostJit> jit;
  HostModule hm;
  /// Windows and alerts (window_session.h), made once the module is lowered.
  std::unique_ptr<WindowSession> ws;
  bool exitRequested = false;

  using ProbeFn = int64_t (*)(void *);
  struct Program {
    ProbeFn fn = nullptr;
    host::ContextPlan plan; ///< how its context is laid out
  };
  std::vector<std::vector<Program>> groups;          ///< programs of one probe
  std::unordered_map<std::string, size_t> groupOf;   ///< by canonical probe
  std::string lastProbe;                             ///< the last event's probe
  long lastGroup = -1;                               ///< its group, -1: none
  bool haveLast = false;
  uint64_t lastProbeShape = 0; ///< ReplayEvent::shape of the last event
  std::vector<Program> beginProgs, endProgs;
  std::string defaultProbe;

  // Windowed maps, per engine map id.
  std::vector<int64_t> consumedSeq;           ///< per engine map: highest seq merged
  std::vector<uint64_t> lateSeen;             ///< per engine map: obs_late already counted

  /// The contexts of the event being run.
  host::EventContexts contexts{rt.readable};
  Impl(SemaContext &s, ProbeCatalog &c, output::OutputFormat &o, const HostProgramOptions &op)
      : sema(s), catalog(c), out(o), opts(op) {}

  window::TimeEngine &engine() { return ws->engine(); }

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
                    [this](const std::string &binary) {
                      std::string err;
                      return sema.catalog.usdtProbes(binary, err);
                    }};
    if (!lowerToHostModule(in, sema.diags, rt, jit->dataLayout(), jit->triple(), hm, opts.pid))
      return false;
    ws = std::make_unique<WindowSession>(sema, out, hm.spec, opts.verbose,
                                         window::TimeEngine::Options{1, 0});
    ws->setupWindows([this](size_t i, const window::WindowSpec &w) {
      if (w.hasExemplarThreshold)
        hm.scriptMaps[i]->exemplarThreshold = w.exemplarThreshold;
      hm.scriptMaps[i]->keepExemplars(w.exemplars);
      hm.scriptMaps[i]->everyNs = hm.spec.maps[i].everyNs;
      consumedSeq.push_back(0);
      lateSeen.push_back(0);
    });
    engine().onSlotDue([this](MapId m, uint64_t slot) { readSlot(m, int64_t(slot) + 1); });
    if (!ws->lowerAlerts(*hm.module, error))
      return false;
    auto syms = host::HostRuntime::symbols();
    WindowSession::addSymbols(syms);
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
    if (!ws->bindAlerts(*jit, error))
      return false;
    if (opts.verbose) {
      size_t bodies = ws->alertBodyCount();
      std::cerr << "obsc: JIT compiled " << hm.spec.programs.size() << " probe program(s), "
                << ws->alertCount() << " alert condition(s) and " << bodies << " alert body(ies) in "
                << output::formatNumber(jit->compileMs()) << " ms\n";
    }
    rt.ringbufSink = [this](const uint8_t *rec, size_t size) { onRecord(rec, size); };
    return true;
  }

  bool bindPrograms(std::string &error) {
    std::set<std::string> probes;
    for (const contract::ProgramSpec &ps : hm.spec.programs) {
      Program p;
      p.plan.kind = ps.kind;
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
        p.plan.planFields(catalog.tracepointArgs(ps.target, ps.func, err));
        break;
      }
      case AK::RawTracepoint: canon = "rawtracepoint:" + ps.func; break;
      case AK::Kprobe: canon = "kprobe:" + ps.func; break;
      case AK::Kretprobe: canon = "kretprobe:" + ps.func; break;
      case AK::Fentry: canon = "fentry:" + ps.func; break;
      case AK::Fexit: canon = "fexit:" + ps.func; break;
      case AK::Uprobe:
        if (ps.probe.rfind("usdt", 0) == 0) {
          // As `obsc record` names it (recordProbeName): the attach point.
          canon = ps.probe;
          if (!bindUsdt(ps, p, error))
            return false;
          break;
        }
        canon = "uprobe:" + ps.target + ":" + ps.func;
        break;
      case AK::Uretprobe: canon = "uretprobe:" + ps.target + ":" + ps.func; break;
      case AK::PerfEvent: canon = ps.probe; break;
      }
      auto [g, added] = groupOf.emplace(canon, groups.size());
      if (added)
        groups.emplace_back();
      groups[g->second].push_back(std::move(p));
      if (ps.kind != AK::PerfEvent || ps.probe.rfind("interval", 0) != 0)
        probes.insert(canon);
    }
    if (probes.size() == 1)
      defaultProbe = *probes.begin();
    return true;
  }

  bool bindUsdt(const contract::ProgramSpec &ps, Program &p, std::string &error) {
    p.plan.usdt = true;
    std::string err;
    const std::vector<UsdtProbe> *all = catalog.usdtProbes(ps.target, err);
    for (size_t i = 0; all && i < all->size(); ++i) {
      const UsdtProbe &u = (*all)[i];
      if (u.name != ps.func || u.fileOffset != ps.offset)
        continue;
      p.plan.usdtArgs = u.parseArguments(err);
      if (!err.empty()) {
        error = "usdt probe " + ps.probe + ": " + err;
        return false;
      }
      break;
    }
    return true;
  }

  //===-- Windows: reading the host maps' slots --------------------------===//

  void readSlot(MapId m, int64_t seq) {
    const contract::MapSpec &ms = hm.spec.maps[size_t(ws->scriptIndex(m))];
    host::HostMap &h = *hm.scriptMaps[size_t(ws->scriptIndex(m))];
    window::WindowedMap &wm = engine().map(m);
    bool ex = wm.spec().exemplars;
    uint32_t userKey = ms.keySize - 8;
    uint64_t late = 0;
    for (uint32_t id = 0; id < h.ids(); ++id) {
      if (!h.present(id))
        continue;
      int64_t have = int64_t(h.value(id)[0]);
      // A slot due now, or one written after it was read (an event older
      // than the watermark): merged into the windows of that slot still
      // open, and counted late by the engine when none is (spec §15.1).
      if (have == seq || (have > 0 && have <= consumedSeq[m])) {
        KeyId k = engine().key(m, h.keyOf(id));
        wm.mergeKernelPartial(k, h.value(id), ex ? &h.exemplar(id) : nullptr);
        h.erase(id);
      }
    }
    (void)userKey;
    consumedSeq[m] = std::max(consumedSeq[m], seq);
    if (hm.lateMap && size_t(ms.name.empty() ? 0 : ws->scriptIndex(m)) < hm.lateMap->ids()) {
      uint64_t total = hm.lateMap->value(uint32_t(ws->scriptIndex(m)))[0];
      late += total - lateSeen[m];
      lateSeen[m] = total;
    }
    if (late)
      engine().recordLoss(m, window::LossKind::Late, uint64_t(seq - 1) * ms.everyNs, late);
  }

  /// At the end: every slot not read yet, so partial windows have their data.
  void readRemaining() {
    for (MapId m = 0; m < ws->mapCount(); ++m) {
      host::HostMap &h = *hm.scriptMaps[size_t(ws->scriptIndex(m))];
      std::set<int64_t> seqs;
      for (uint32_t id = 0; id < h.ids(); ++id)
        if (h.present(id) && int64_t(h.value(id)[0]) > consumedSeq[m])
          seqs.insert(int64_t(h.value(id)[0]));
      for (int64_t s : seqs)
        readSlot(m, s);
    }
  }

  //===-- Probe bodies ------------------------------------------------------===//

  void setEvent(const replay::ReplayEvent &ev, uint64_t ts) {
    rt.nowNs = engine().originNs() + ts;
    rt.pid = ev.pid;
    rt.tid = ev.tid;
    rt.uid = ev.uid;
    rt.gid = ev.gid;
    rt.cpu = ev.cpu;
    rt.cgroup = ev.cgroup;
    rt.setEventContext(ev.comm, ev.ppid);
  }

  /// Runs progs on ev: their contexts laid out one after the other in
  /// `contexts`, which probe reads may copy from.
  void runOn(std::vector<Program> &progs, const replay::ReplayEvent &ev) {
    size_t words = 0;
    for (Program &p : progs)
      words += host::contextWords(p.plan, ev);
    if (contexts.mem.size() < words)
      contexts.mem.resize(std::max(words, size_t(64)));
    contexts.clear();
    size_t at = 0;
    for (Program &p : progs)
      at = host::buildContext(p.plan, ev, contexts, at);
    for (size_t k = 0; k < progs.size(); ++k)
      progs[k].fn(contexts.mem.data() + contexts.ctxAt[k]);
  }

  bool run(const replay::ReplayEvent &ev) {
    // Events of one shape are of one probe: compared only when it changes.
    if (!haveLast || ev.shape != lastProbeShape || !ev.shape) {
      if (!haveLast || ev.probe != lastProbe) {
        auto it = groupOf.find(ev.probe);
        lastProbe = ev.probe;
        lastGroup = it == groupOf.end() ? -1 : long(it->second);
        haveLast = true;
      }
      lastProbeShape = ev.shape;
    }
    if (lastGroup < 0)
      return false;
    setEvent(ev, ev.ts);
    runOn(groups[size_t(lastGroup)], ev);
    return true;
  }

  void runSpecial(std::vector<Program> &progs, uint64_t ts) {
    replay::ReplayEvent ev;
    ev.pid = ev.tid = 0;
    ev.ts = ts;
    setEvent(ev, ts);
    runOn(progs, ev);
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
      if (h.id < hm.spec.formats.size()) {
        const contract::PrintfSpec &ps = hm.spec.formats[h.id];
        std::string text = output::formatPrintfRecord(ps, rec, size, &hm.spec.formats);
        if (ps.json.empty()) // printf
          out.printPrintf(text);
        else // print(value)
          out.printValueRecord(text, output::formatValueJson(ps, rec, size, &hm.spec.formats));
      }
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
          for (uint32_t id = 0; id < m.ids(); ++id)
            if (m.present(id))
              std::memset(m.value(id), 0, m.valueSize);
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
        e.key = decodeKeyParts(ms.key, key, &hm.spec);
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
        e.value.tuple = decodeKeyParts(ms.valueFields, vb, &hm.spec);
        break;
      case VK::Rendered: { // buf() or strftime() values
        std::vector<KeyPart> parts = decodeKeyParts(ms.valueFields, vb, &hm.spec);
        e.value.isString = true;
        e.value.str = parts.empty() ? "" : parts[0].s;
        break;
      }
      default: return;
      }
      d.entries.push_back(std::move(e));
    };
    if (m.array) {
      const uint64_t *v = m.value(0);
      bool any = false;
      for (uint32_t i = 0; i < (ms.valueSize + 7) / 8; ++i)
        any |= v[i] != 0;
      if (any)
        entry(nullptr, v);
    } else {
      for (uint32_t id = 0; id < m.ids(); ++id)
        if (m.present(id))
          entry(m.keyOf(id), m.value(id));
    }
    return true;
  }

  void printMap(uint32_t index) {
    if (index >= hm.spec.maps.size())
      return;
    const contract::MapSpec &ms = hm.spec.maps[index];
    if (ms.windowed) {
      ws->printLastWindow(ms);
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
    out.printExitSeparator(); // always, as a live run (and bpftrace) does
    for (const MapDump &d : dumps)
      out.printMap(d);
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

window::TimeEngine &HostProgram::engine() { return impl_->engine(); }
void HostProgram::begin() { impl_->runSpecial(impl_->beginProgs, 0); }
bool HostProgram::run(const replay::ReplayEvent &ev) { return impl_->run(ev); }
void HostProgram::end(uint64_t endNs) {
  Impl &i = *impl_;
  i.runSpecial(i.endProgs, endNs);
  i.engine().advanceIdle(i.engine().originNs() + endNs);
  i.readRemaining();
  i.engine().finish(i.engine().originNs() + endNs);
  i.exitDump();
}
bool HostProgram::exited() const { return impl_->exitRequested; }
std::string HostProgram::defaultProbe() const { return impl_->defaultProbe; }
double HostProgram::compileMs() const { return impl_->jit ? impl_->jit->compileMs() : 0; }
uint64_t HostProgram::zeroedReads() const { return impl_->rt.readsZeroed; }

} // namespace obs
