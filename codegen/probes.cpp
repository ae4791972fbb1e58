//===- probes.cpp - one BPF program per attach point ----------------------===//
//
// Section names decide the program type for libbpf:
//   tracepoint:C:E    "tracepoint/C/E"      rawtracepoint:E "raw_tracepoint/E"
//   kprobe:F          "kprobe/F"            kretprobe:F     "kretprobe/F"
//   fentry:F          "fentry/F"            fexit:F         "fexit/F"
//   uprobe, uretprobe "uprobe", "uretprobe" (binary and offset at attach)
//   profile, interval, software, hardware   "perf_event"
//   BEGIN, END        "raw_tracepoint/obs_begin", ".../obs_end": never
//                     attached; the runtime runs them once with
//                     BPF_PROG_TEST_RUN (raw tracepoint programs support it
//                     from 5.10), BEGIN before attaching, END after detaching.
// A probe with several attach points (or a wildcard) gives one program per
// concrete point: their contexts differ.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering.h"

namespace obs::cg {

Lowering::Lowering(llvm::Module &m, HelperTarget &helpers, const CodegenInput &input,
                   Diagnostics &d, const CodegenOptions &o, contract::ObjectSpec &s)
    : M(m), C(m.getContext()), B(m.getContext()), H(helpers), in(input), diags(d), opts(o),
      spec(s) {}

Lowering::~Lowering() = default;

namespace {
// <linux/perf_event.h>
enum : uint32_t { PerfTypeHardware = 0, PerfTypeSoftware = 1 };
struct PerfName {
  const char *name;
  const char *alias;
  uint64_t config;
  uint64_t defaultPeriod;
};
const PerfName kSoftware[] = {
    {"cpu-clock", "cpu", 0, 1000000},        {"task-clock", nullptr, 1, 1000000},
    {"page-faults", "faults", 2, 100},       {"context-switches", "cs", 3, 1000},
    {"cpu-migrations", "migrations", 4, 1},       {"minor-faults", nullptr, 5, 100},
    {"major-faults", nullptr, 6, 1},         {"alignment-faults", nullptr, 7, 1},
    {"emulation-faults", nullptr, 8, 1},     {"dummy", nullptr, 9, 1},
    {"bpf-output", nullptr, 10, 1},
};
const PerfName kHardware[] = {
    {"cpu-cycles", "cycles", 0, 1000000},         {"instructions", nullptr, 1, 1000000},
    {"cache-references", nullptr, 2, 1000000},    {"cache-misses", nullptr, 3, 1000000},
    {"branch-instructions", "branches", 4, 100000}, {"branch-misses", nullptr, 5, 100000},
    {"bus-cycles", nullptr, 6, 100000},
};

std::string sanitize(const std::string &s) {
  std::string out;
  for (char c : s)
    out += (isalnum((unsigned char)c) || c == '_') ? c : '_';
  if (out.size() > 24)
    out.resize(24);
  return out;
}
} // namespace

bool Lowering::describeAttach(const AttachPoint &ap, const std::string &expansion,
                              contract::ProgramSpec &p) {
  using AK = contract::AttachKind;
  p.probe = ap.text;
  p.target = ap.target;
  p.func = ap.func;
  p.offset = ap.hasAddress ? ap.address : ap.offset;
  p.hasAddress = ap.hasAddress;
  // A wildcard expansion is "target:func" (or just "func").
  if (!expansion.empty() && expansion != ap.text) {
    auto colon = expansion.rfind(':');
    if (colon == std::string::npos)
      p.func = expansion;
    else {
      p.target = expansion.substr(0, colon);
      p.func = expansion.substr(colon + 1);
    }
  }
  auto timeUnit = [&](const std::string &u, uint64_t &ns) {
    if (u == "s" || u == "sec") ns = 1000000000ull;
    else if (u == "ms") ns = 1000000ull;
    else if (u == "us") ns = 1000ull;
    else if (u == "ns") ns = 1;
    else return false;
    return true;
  };
  switch (ap.kind) {
  case ProbeKind::Begin:
    p.kind = AK::Begin;
    p.section = "raw_tracepoint/obs_begin";
    return true;
  case ProbeKind::End:
    p.kind = AK::End;
    p.section = "raw_tracepoint/obs_end";
    return true;
  case ProbeKind::Tracepoint:
    p.kind = AK::Tracepoint;
    p.section = "tracepoint/" + p.target + "/" + p.func;
    return true;
  case ProbeKind::RawTracepoint:
    p.kind = AK::RawTracepoint;
    if (p.func.empty())
      p.func = p.target;
    p.section = "raw_tracepoint/" + p.func;
    return true;
  case ProbeKind::Kprobe:
  case ProbeKind::Kretprobe: {
    bool ret = ap.kind == ProbeKind::Kretprobe;
    // No kprobes here: the same function through a BPF trampoline, when its
    // BTF says how many arguments it has (fexit's retval follows them).
    if (opts.kprobesAsFentry && p.offset == 0 && in.functionArgCount &&
        in.functionArgCount(p.func) >= 0) {
      p.kind = ret ? AK::Fexit : AK::Fentry;
      p.section = (ret ? "fexit/" : "fentry/") + p.func;
      p.viaFentry = true;
      return true;
    }
    p.kind = ret ? AK::Kretprobe : AK::Kprobe;
    p.section = (ret ? "kretprobe/" : "kprobe/") + p.func;
    return true;
  }
  case ProbeKind::Fentry:
    p.kind = AK::Fentry;
    p.section = "fentry/" + p.func;
    return true;
  case ProbeKind::Fexit:
    p.kind = AK::Fexit;
    p.section = "fexit/" + p.func;
    return true;
  case ProbeKind::Uprobe:
    p.kind = AK::Uprobe;
    p.section = "uprobe";
    return true;
  case ProbeKind::Uretprobe:
    p.kind = AK::Uretprobe;
    p.section = "uretprobe";
    return true;
  case ProbeKind::Profile:
  case ProbeKind::Interval: {
    p.kind = AK::PerfEvent;
    p.section = "perf_event";
    p.perfType = PerfTypeSoftware;
    p.perfConfig = 0; // PERF_COUNT_SW_CPU_CLOCK
    p.allCpus = ap.kind == ProbeKind::Profile;
    uint64_t ns = 0;
    if (ap.target == "hz") {
      p.freq = true;
      p.period = ap.value;
    } else if (timeUnit(ap.target, ns)) {
      p.period = ap.value * ns;
    } else {
      error(ap.range, "unknown unit '" + ap.target + "' in " + ap.text);
      return false;
    }
    if (p.period == 0) {
      error(ap.range, "the rate or period of " + ap.text + " must not be zero");
      return false;
    }
    return true;
  }
  case ProbeKind::Software:
  case ProbeKind::Hardware: {
    p.kind = AK::PerfEvent;
    p.section = "perf_event";
    bool sw = ap.kind == ProbeKind::Software;
    p.perfType = sw ? PerfTypeSoftware : PerfTypeHardware;
    const PerfName *found = nullptr;
    for (const PerfName &n : sw ? llvm::ArrayRef<PerfName>(kSoftware) : llvm::ArrayRef<PerfName>(kHardware))
      if (ap.target == n.name || (n.alias && ap.target == n.alias))
        found = &n;
    if (!found) {
      error(ap.range, "unknown " + std::string(sw ? "software" : "hardware") + " event '" +
                          ap.target + "'");
      return false;
    }
    p.perfConfig = found->config;
    p.period = ap.value ? ap.value : found->defaultPeriod;
    return true;
  }
  case ProbeKind::Usdt:
    // One uprobe per note site; lowerProbe fills the offset.
    p.kind = AK::Uprobe;
    p.section = "uprobe";
    p.hasAddress = true;
    return true;
  }
  return false;
}

void Lowering::lowerProbe(Probe &probe, AttachPoint &ap, const std::string &expansion,
                          const UsdtProbe *usdt) {
  contract::ProgramSpec ps;
  if (!describeAttach(ap, expansion, ps))
    return;
  usdtArgs.clear();
  if (usdt) {
    ps.offset = usdt->fileOffset;
    ps.func = usdt->name;
    std::string err;
    usdtArgs = usdt->parseArguments(err);
    if (!err.empty()) {
      error(ap.range, "cannot read the arguments of usdt probe " + usdt->provider + ":" +
                          usdt->name + ": " + err);
      return;
    }
    if (usdt->semaphore)
      ps.usdtSemaphore = usdt->semaphore;
  }
  ps.name = "obs_p" + std::to_string(spec.programs.size()) + "_" +
            sanitize(ps.func.empty() ? ps.section.substr(0, ps.section.find('/')) : ps.func);
  attachKind = ps.kind;
  probeName = ap.text;
  funcName = ps.func;
  if (!expansion.empty() && expansion != ap.text) {
    auto colon = ap.text.find(':');
    probeName = (colon == std::string::npos ? ap.text : ap.text.substr(0, colon)) + ":" + expansion;
  }

  auto *fty = llvm::FunctionType::get(B.getInt64Ty(), {B.getPtrTy()}, false);
  fn = llvm::Function::Create(fty, llvm::GlobalValue::ExternalLinkage, ps.name, M);
  fn->setSection(ps.section);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  ctx = fn->getArg(0);
  ctx->setName("ctx");
  sp = beginSubprogram(fn, probe.range);
  entryBlock = llvm::BasicBlock::Create(C, "entry", fn);
  prologue = llvm::BasicBlock::Create(C, "prologue", fn);
  bodyBlock = llvm::BasicBlock::Create(C, "body", fn);
  exitBlock = llvm::BasicBlock::Create(C, "exit", fn);
  scratchBase = nullptr;
  scratchUsed = 0;
  stackUsed = 0;
  vars.clear();
  loops.clear();

  B.SetInsertPoint(entryBlock);
  setLocation(probe.range);
  B.CreateBr(prologue);
  B.SetInsertPoint(prologue);
  B.CreateBr(bodyBlock);
  B.SetInsertPoint(exitBlock);
  B.CreateRet(B.getInt64(0));

  B.SetInsertPoint(bodyBlock);
  setLocation(probe.range);
  // -p filters events by process; timers (profile, interval) and BEGIN/END
  // are not events of a process.
  bool processEvent = ps.kind != contract::AttachKind::PerfEvent &&
                      ps.kind != contract::AttachKind::Begin &&
                      ps.kind != contract::AttachKind::End;
  if (opts.filterPid > 0 && processEvent) {
    auto *go = llvm::BasicBlock::Create(C, "pid.ok", fn);
    llvm::Value *pid = B.CreateLShr(H.getCurrentPidTgid(B), 32);
    B.CreateCondBr(B.CreateICmpEQ(pid, B.getInt64(uint64_t(opts.filterPid))), go, exitBlock);
    B.SetInsertPoint(go);
  }
  if (opts.record && (processEvent || ps.kind == contract::AttachKind::PerfEvent))
    emitRecord(ps); // record.cpp: before the predicate, which replay runs again
  if (probe.predicate) {
    setLocation(probe.predicate->range);
    auto *go = llvm::BasicBlock::Create(C, "pred.ok", fn);
    B.CreateCondBr(lowerCond(probe.predicate), go, exitBlock);
    B.SetInsertPoint(go);
  }
  lowerBlock(probe.body);
  if (!B.GetInsertBlock()->getTerminator())
    B.CreateBr(exitBlock);
  // Unreachable leftovers (after return/exit) have no predecessors.
  for (auto it = fn->begin(); it != fn->end();) {
    llvm::BasicBlock &bb = *it++;
    if (&bb != entryBlock && llvm::pred_empty(&bb)) {
      if (!bb.getTerminator()) {
        llvm::IRBuilder<> t(&bb);
        t.CreateUnreachable();
      }
    }
  }
  if (recordNow)
    shareRecordTime(); // record.cpp
  spec.programs.push_back(ps);
  sp = nullptr;
}

bool Lowering::run() {
  if (opts.debugInfo)
    initDebugInfo();
  auto *licTy = llvm::ArrayType::get(B.getInt8Ty(), 4);
  auto *lic = new llvm::GlobalVariable(M, licTy, true, llvm::GlobalValue::ExternalLinkage,
                                       llvm::ConstantDataArray::getString(C, "GPL"), "_license");
  lic->setSection("license");
  findMapsReadInBpf();
  for (Probe *p : in.program.probes)
    for (AttachPoint *ap : p->points) {
      if (ap->kind == ProbeKind::Usdt) {
        const std::vector<UsdtProbe> *all = in.usdtProbes ? in.usdtProbes(ap->target) : nullptr;
        size_t sites = 0;
        if (all)
          for (const UsdtProbe &u : *all)
            if (u.name == ap->func && (ap->provider.empty() || u.provider == ap->provider)) {
              lowerProbe(*p, *ap, "", &u);
              ++sites;
            }
        if (!sites)
          error(ap->range, "no usdt probe " + ap->provider + ":" + ap->func + " in " + ap->target);
        continue;
      }
      if (ap->expansions.empty())
        lowerProbe(*p, *ap, "");
      else
        for (const std::string &x : ap->expansions)
          lowerProbe(*p, *ap, x);
    }
  defineMaps();
  finishDebugInfo();
  return !failed;
}

} // namespace obs::cg
