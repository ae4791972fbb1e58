//===- probes.cpp - attach points: existence and wildcard expansion -------===//
//
// Every attach point is checked against the ProbeCatalog (tracefs, BTF,
// ELF): an unknown tracepoint gets the nearest names as a hint, a wildcard
// is expanded to what exists, a uprobe on a missing binary or symbol is an
// error. AttachPoint::expansions receives the concrete names.
//
//===----------------------------------------------------------------------===//
#include "lang/sema/passes.h"

#include "lang/sema/catalog/catalog.h"

#include <algorithm>

namespace obs {
namespace {

const char *kSoftwareEvents[] = {"cpu-clock", "cpu", "task-clock", "page-faults", "faults",
                                 "context-switches", "cs", "cpu-migrations", "migrations",
                                 "minor-faults", "major-faults", "alignment-faults",
                                 "emulation-faults", "dummy", "bpf-output"};
const char *kHardwareEvents[] = {"cpu-cycles", "cycles", "instructions", "cache-references",
                                 "cache-misses", "branch-instructions", "branches",
                                 "branch-misses", "bus-cycles", "frontend-stalls",
                                 "backend-stalls", "ref-cycles"};

class ProbeResolver {
public:
  explicit ProbeResolver(SemaContext &ctx) : ctx_(ctx), cat_(ctx.catalog) {}

  void resolve(AttachPoint &ap) {
    ap.expansions.clear();
    switch (ap.kind) {
    case ProbeKind::Begin: case ProbeKind::End:
      ap.expansions.push_back("");
      return;
    case ProbeKind::Tracepoint: return tracepoint(ap);
    case ProbeKind::RawTracepoint: return rawTracepoint(ap);
    case ProbeKind::Kprobe: case ProbeKind::Kretprobe: return kprobe(ap);
    case ProbeKind::Fentry: case ProbeKind::Fexit: return fentry(ap);
    case ProbeKind::Uprobe: case ProbeKind::Uretprobe: return uprobe(ap);
    case ProbeKind::Usdt: return usdt(ap);
    case ProbeKind::Profile: case ProbeKind::Interval: return timer(ap);
    case ProbeKind::Software: return perfEvent(ap, kSoftwareEvents, std::size(kSoftwareEvents));
    case ProbeKind::Hardware: return perfEvent(ap, kHardwareEvents, std::size(kHardwareEvents));
    }
  }

private:
  void noMatch(AttachPoint &ap) {
    ctx_.diags.report(DiagKind::no_probe_match, ap.range, {ap.text});
  }

  void tracepoint(AttachPoint &ap) {
    if (ap.hasWildcard()) {
      for (const TracepointName &t : cat_.matchTracepoints(ap.target, ap.func))
        ap.expansions.push_back(t.category + ":" + t.event);
      if (ap.expansions.empty())
        noMatch(ap);
      return;
    }
    if (cat_.hasTracepoint(ap.target, ap.func)) {
      ap.expansions.push_back(ap.target + ":" + ap.func);
      return;
    }
    auto d = ctx_.diags.report(DiagKind::unknown_tracepoint, ap.range, {ap.target + ":" + ap.func});
    std::vector<std::string> events = cat_.tracepointEvents(ap.target);
    if (!events.empty()) {
      d.suggest(ap.func, events);
    } else {
      std::vector<std::string> cats = cat_.tracepointCategories();
      if (cats.empty() && !cat_.tracefsError().empty())
        d.note("cannot list tracepoints: " + cat_.tracefsError());
      else
        d.suggest(ap.target, cats);
    }
  }

  void rawTracepoint(AttachPoint &ap) {
    if (ap.hasWildcard()) {
      ap.expansions = cat_.matchRawTracepoints(ap.func);
      if (ap.expansions.empty())
        noMatch(ap);
      return;
    }
    const auto &all = cat_.rawTracepoints();
    if (all.empty() || std::binary_search(all.begin(), all.end(), ap.func)) {
      ap.expansions.push_back(ap.func);
      return;
    }
    ctx_.diags.report(DiagKind::unknown_tracepoint, ap.range, {"raw " + ap.func})
        .suggest(ap.func, all);
  }

  void kprobe(AttachPoint &ap) {
    if (ap.hasWildcard()) {
      ap.expansions = cat_.matchKprobeFunctions(ap.func);
      if (ap.expansions.empty())
        noMatch(ap);
      return;
    }
    const auto &filter = cat_.availableFilterFunctions();
    bool known = cat_.hasKernelFunction(ap.func) ||
                 std::binary_search(filter.begin(), filter.end(), ap.func);
    if (known || (!cat_.hasBtf() && filter.empty())) {
      ap.expansions.push_back(ap.func);
      return;
    }
    ctx_.diags.report(DiagKind::unknown_kernel_function, ap.range, {ap.func})
        .suggest(ap.func, cat_.kernelFunctions());
  }

  void fentry(AttachPoint &ap) {
    if (ap.hasWildcard()) {
      ap.expansions = cat_.matchKernelFunctions(ap.func);
      if (ap.expansions.empty())
        noMatch(ap);
      return;
    }
    std::string err;
    if (cat_.kernelFunction(ap.func, err)) {
      ap.expansions.push_back(ap.func);
      return;
    }
    auto d = ctx_.diags.report(DiagKind::unknown_kernel_function, ap.range, {ap.func});
    if (!cat_.hasBtf())
      d.note(std::string(probeKindName(ap.kind)) + " needs kernel BTF: " + cat_.btfError());
    else
      d.suggest(ap.func, cat_.kernelFunctions());
  }

  bool wildcardIn(AttachPoint &ap, const std::string &part, const char *what) {
    if (!hasWildcard(part))
      return false;
    ctx_.diags.report(DiagKind::wildcard_not_allowed, ap.range, {what})
        .note("wildcards may name functions, tracepoints and USDT probes, not " +
              std::string(what));
    return true;
  }

  void uprobe(AttachPoint &ap) {
    if (wildcardIn(ap, ap.target, "binary paths"))
      return;
    std::string err;
    std::string path = cat_.resolveBinary(ap.target, err);
    if (path.empty()) {
      ctx_.diags.report(DiagKind::uprobe_binary_missing, ap.range,
                        {ap.target, probeKindName(ap.kind)})
          .note(err.empty() ? "no such file" : err);
      return;
    }
    if (ap.hasAddress) {
      ap.expansions.push_back(path + ":" + ap.func);
      return;
    }
    if (ap.hasWildcard()) {
      for (const std::string &f : cat_.matchUprobeFunctions(path, ap.func, err))
        ap.expansions.push_back(path + ":" + f);
      if (ap.expansions.empty())
        noMatch(ap);
      return;
    }
    if (cat_.symbol(path, ap.func, err)) {
      ap.expansions.push_back(path + ":" + ap.func);
      return;
    }
    auto d = ctx_.diags.report(DiagKind::uprobe_symbol_missing, ap.range, {path, ap.func});
    std::string e2;
    d.suggest(ap.func, cat_.matchUprobeFunctions(path, "*", e2));
  }

  void usdt(AttachPoint &ap) {
    if (wildcardIn(ap, ap.target, "binary paths"))
      return;
    std::string err;
    std::string path = cat_.resolveBinary(ap.target, err);
    if (path.empty()) {
      ctx_.diags.report(DiagKind::uprobe_binary_missing, ap.range, {ap.target, "usdt"})
          .note(err.empty() ? "no such file" : err);
      return;
    }
    const std::vector<UsdtProbe> *probes = cat_.usdtProbes(path, err);
    std::vector<std::string> names;
    if (probes)
      for (const UsdtProbe &p : *probes) {
        std::string full = p.provider + ":" + p.name;
        names.push_back(full);
        bool provOk = ap.provider.empty() || wildcardMatch(ap.provider, p.provider);
        if (provOk && wildcardMatch(ap.func, p.name) &&
            std::find(ap.expansions.begin(), ap.expansions.end(), path + ":" + full) ==
                ap.expansions.end())
          ap.expansions.push_back(path + ":" + full);
      }
    if (!ap.expansions.empty())
      return;
    if (ap.hasWildcard()) {
      noMatch(ap);
      return;
    }
    std::string want = (ap.provider.empty() ? "" : ap.provider + ":") + ap.func;
    ctx_.diags.report(DiagKind::uprobe_symbol_missing, ap.range, {path, want})
        .suggest(want, names)
        .note(probes && !probes->empty() ? "" : "the binary has no USDT probes (.note.stapsdt)");
  }

  void timer(AttachPoint &ap) {
    static const char *units[] = {"hz", "s", "ms", "us"};
    if (std::find(std::begin(units), std::end(units), ap.target) == std::end(units)) {
      ctx_.diags.report(DiagKind::bad_probe_arg, ap.range,
                        {"unknown unit '" + ap.target + "' in " + probeKindName(ap.kind) +
                         " probe; expected hz, s, ms or us"});
      return;
    }
    if (ap.value == 0) {
      ctx_.diags.report(DiagKind::bad_probe_arg, ap.range,
                        {std::string(probeKindName(ap.kind)) + " needs a positive rate or period"});
      return;
    }
    ap.expansions.push_back(ap.target + ":" + std::to_string(ap.value));
  }

  void perfEvent(AttachPoint &ap, const char *const *names, size_t n) {
    if (wildcardIn(ap, ap.target, ap.kind == ProbeKind::Software ? "software events"
                                                                 : "hardware events"))
      return;
    std::vector<std::string> all(names, names + n);
    if (std::find(all.begin(), all.end(), ap.target) == all.end()) {
      ctx_.diags.report(DiagKind::bad_probe_arg, ap.range,
                        {"unknown " + std::string(probeKindName(ap.kind)) + " event '" +
                         ap.target + "'"})
          .suggest(ap.target, all);
      return;
    }
    ap.expansions.push_back(ap.target);
  }

  SemaContext &ctx_;
  ProbeCatalog &cat_;
};

} // namespace

void resolveProbes(SemaContext &ctx) {
  ProbeResolver r(ctx);
  for (Probe *p : ctx.ast.program.probes)
    for (AttachPoint *ap : p->points)
      r.resolve(*ap);
}

} // namespace obs
