//===- host_program.cpp - a whole script running on the host --------------===//

#include "codegen/host/host_program.h"

#include "codegen/host/alert_lowering.h"
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

namespace {

constexpr uint32_t kPtRegsArgs[] = {112, 104, 96, 88, 72, 64}; // x86-64 pt_regs
constexpr uint32_t kPtRegsAx = 80;
constexpr uint32_t kPtRegsSize = 168;

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

} // namespace

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
  /// A tracepoint field, resolved once: where and how an argument goes.
  struct FieldPlan {
    enum class Kind : uint8_t { DataLoc, Chars, Array, Word } kind;
    std::string name;
    uint32_t offset = 0;
    uint32_t size = 0;  ///< Chars: capacity; Word: bytes written
    uint32_t count = 0; ///< Array: elements (size = element bytes)
  };
  struct Program {
    ProbeFn fn = nullptr;
    contract::AttachKind kind;
    const Type *record = nullptr; ///< tracepoint args
    size_t bytes = 256;           ///< the context's fixed part
    std::vector<FieldPlan> fields;
    /// The argument names of the last event seen and, per field, the
    /// index of the first argument of that name (-1: none): events of one
    /// probe have the same names in the same order, so the names are
    /// compared, not searched.
    std::vector<std::string> shape;
    std::vector<int> fieldArg;
    /// usdt: where each argument is (a register, or memory at a register
    /// plus a displacement): replay puts the recorded value there.
    bool usdt = false;
    std::vector<UsdtArgument> usdtArgs;
    uint64_t lastShape = 0; ///< ReplayEvent::shape of the last event, if any
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

  // Memory of the current event's context.
  std::vector<uint64_t> ctxBuf;
  /// usdt arguments in memory: a window per base register.
  static constexpr size_t kUsdtWindow = 4096;
  std::vector<uint64_t> usdtMem;
  std::vector<int> usdtBases;

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
        planFields(p);
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
    p.usdt = true;
    std::string err;
    const std::vector<UsdtProbe> *all = catalog.usdtProbes(ps.target, err);
    for (size_t i = 0; all && i < all->size(); ++i) {
      const UsdtProbe &u = (*all)[i];
      if (u.name != ps.func || u.fileOffset != ps.offset)
        continue;
      p.usdtArgs = u.parseArguments(err);
      if (!err.empty()) {
        error = "usdt probe " + ps.probe + ": " + err;
        return false;
      }
      break;
    }
    return true;
  }

  /// usdt: argument i's value where the lowering reads it (usdtArg in
  /// codegen/builtins.cpp): its register, or memory at base register +
  /// displacement, the base pointing into a window of usdtMem per register.
  void placeUsdt(const Program &p, const replay::ReplayEvent &ev, uint8_t *regs) {
    usdtBases.clear();
    for (size_t i = 0; i < p.usdtArgs.size() && i < ev.args.size(); ++i) {
      const UsdtArgument &a = p.usdtArgs[i];
      uint64_t v = argWord(ev.args[i].value);
      int reg = a.reg.empty() ? -1 : ptRegsOffset(ptRegsField(a.reg));
      if (a.kind == UsdtArgument::Kind::Register && reg >= 0) {
        std::memcpy(regs + reg, &v, 8);
      } else if (a.kind == UsdtArgument::Kind::Memory && reg >= 0 && a.symbol.empty()) {
        size_t w = 0;
        while (w < usdtBases.size() && usdtBases[w] != reg)
          ++w;
        if (w == usdtBases.size())
          usdtBases.push_back(reg);
        if (usdtMem.size() < (w + 1) * kUsdtWindow / 8)
          usdtMem.resize((w + 1) * kUsdtWindow / 8);
        uint8_t *window = reinterpret_cast<uint8_t *>(usdtMem.data()) + w * kUsdtWindow;
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
    if (!usdtMem.empty()) {
      uintptr_t b = reinterpret_cast<uintptr_t>(usdtMem.data());
      rt.readable.push_back({b, b + usdtMem.size() * 8});
    }
  }

  void planFields(Program &p) {
    if (!p.record)
      return;
    p.bytes = std::max<size_t>(p.record->size, 8);
    for (const Field &f : p.record->recordFields()) {
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
      p.fields.push_back(std::move(fp));
    }
    p.fieldArg.assign(p.fields.size(), -1);
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

  /// A pointer argument given as a string points to the event's own copy,
  /// which probe reads may copy from while the body runs.
  uint64_t stringPointer(const std::string &s) {
    uintptr_t p = reinterpret_cast<uintptr_t>(s.c_str());
    rt.readable.push_back({p, p + s.size() + 1});
    return p;
  }

  [[gnu::always_inline]] uint64_t argWord(const replay::ReplayValue &v) {
    if (v.kind == replay::ReplayValue::Kind::String)
      return stringPointer(v.s);
    if (v.kind == replay::ReplayValue::Kind::IntArray)
      return v.array.empty() ? 0 : uint64_t(v.array[0]);
    return uint64_t(v.i);
  }

  /// Per field of p, the first argument of that name (p.fieldArg), found
  /// again only when the names differ from the last event's.
  void matchShape(Program &p, const replay::ReplayEvent &ev) {
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
    for (size_t j = 0; j < p.fields.size(); ++j) {
      p.fieldArg[j] = -1;
      for (size_t i = 0; i < args.size(); ++i)
        if (args[i].name == p.fields[j].name) {
          p.fieldArg[j] = int(i);
          break;
        }
    }
  }

  void *buildContext(Program &p, const replay::ReplayEvent &ev) {
    using AK = contract::AttachKind;
    using RV = replay::ReplayValue;
    rt.readable.clear();
    size_t bytes = p.bytes;
    // Dynamic (__data_loc) strings go after the fixed record.
    size_t dyn = 0;
    for (const replay::ReplayArg &a : ev.args)
      if (a.value.kind == RV::Kind::String)
        dyn += a.value.s.size() + 1;
    // One spare word, and one per field: a __data_loc field given a
    // number still gets its empty string.
    size_t words = (bytes + dyn + 7) / 8 + 1 + (p.fields.size() + 7) / 8;
    if (ctxBuf.size() < words)
      ctxBuf.resize(std::max(words, size_t(64)));
    uint64_t *w = ctxBuf.data();
    for (size_t i = 0; i < words; ++i)
      w[i] = 0;
    uint8_t *base = reinterpret_cast<uint8_t *>(w);
    uintptr_t b = reinterpret_cast<uintptr_t>(base);
    rt.readable.push_back({b, b + bytes + dyn});
    // Little-endian stores of 1, 2, 4 or 8 bytes (the sizes of fields).
    auto put = [&](uint32_t off, uint64_t v, uint32_t size) {
      if (off + size > bytes)
        return;
      uint8_t *d = base + off;
      switch (size) {
      case 1: *d = uint8_t(v); break;
      case 2: { uint16_t x = uint16_t(v); std::memcpy(d, &x, 2); break; }
      case 4: { uint32_t x = uint32_t(v); std::memcpy(d, &x, 4); break; }
      case 8: std::memcpy(d, &v, 8); break;
      default: std::memcpy(d, &v, std::min<uint32_t>(size, 8)); break;
      }
    };
    switch (p.kind) {
    case AK::Tracepoint: {
      if (!p.record)
        break;
      matchShape(p, ev);
      size_t dynAt = bytes;
      // Locals: the byte stores below may alias anything, so vector
      // sizes and data would be loaded again for every field.
      const FieldPlan *fields = p.fields.data();
      const int *fieldArg = p.fieldArg.data();
      const replay::ReplayArg *args = ev.args.data();
      for (size_t j = 0, n = p.fields.size(); j < n; ++j) {
        if (fieldArg[j] < 0)
          continue;
        const FieldPlan &f = fields[j];
        const RV *v = &args[size_t(fieldArg[j])].value;
        switch (f.kind) {
        case FieldPlan::Kind::DataLoc: {
          // __data_loc: (length << 16) | offset, bytes after the record.
          size_t n = v->kind == RV::Kind::String ? v->s.size() : 0;
          if (n)
            std::memcpy(base + dynAt, v->s.data(), n);
          base[dynAt + n] = 0;
          uint32_t loc = uint32_t((n + 1) << 16 | dynAt);
          put(f.offset, loc, 4);
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
            put(f.offset + i * f.size, uint64_t(x), f.size);
          }
          break;
        case FieldPlan::Kind::Word: put(f.offset, argWord(*v), f.size); break;
        }
      }
      break;
    }
    case AK::Kprobe:
    case AK::Kretprobe:
    case AK::Uprobe:
    case AK::Uretprobe:
      if (p.usdt) {
        placeUsdt(p, ev, base);
        break;
      }
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
    for (Program &p : groups[size_t(lastGroup)])
      p.fn(buildContext(p, ev));
    return true;
  }

  void runSpecial(std::vector<Program> &progs, uint64_t ts) {
    replay::ReplayEvent ev;
    ev.pid = ev.tid = 0;
    ev.ts = ts;
    setEvent(ev, ts);
    for (Program &p : progs)
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
