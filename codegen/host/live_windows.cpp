//===- live_windows.cpp - windows and alerts of a live run ----------------===//

#include "codegen/host/live_windows.h"

#include "codegen/host/host_jit.h"
#include "codegen/host/window_session.h"
#include "runtime/maps.h"
#include "runtime/output/format.h"
#include "runtime/output/printer.h"
#include "runtime/window/partials.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <chrono>
#include <cstring>
#include <iostream>

namespace obs {

using window::KeyId;
using window::MapId;

struct LiveWindows::Impl {
  contract::ObjectSpec spec; ///< a copy: the object itself goes to runSession
  LiveWindowsOptions opts;
  std::unique_ptr<HostJit> jit;
  std::unique_ptr<WindowSession> ws;

  struct MapState {
    uint32_t index = 0;       ///< ObjectSpec::maps index
    uint64_t consumedSeq = 0; ///< highest slot seq (slot + 1) read
    uint64_t lateSeen = 0;    ///< obs_late already recorded
    uint64_t fullSeen = 0;    ///< obs_full already recorded
  };
  std::vector<MapState> maps; ///< by engine map id

  const Loader *loader = nullptr; ///< during tick() and finish()
  uint64_t startNs = 0;
  uint64_t lastNowNs = 0;   ///< ktime of the last tick
  uint64_t lostSeen = 0;    ///< obs_lost already recorded
  std::vector<WindowPartial> parts; ///< scratch

  // -v: what crossed.
  uint64_t slotsRead = 0, partialsMerged = 0;

  window::TimeEngine &engine() { return ws->engine(); }

  bool setup(SemaContext &sema, output::OutputFormat &out, std::string &error) {
    ws = std::make_unique<WindowSession>(sema, out, spec, opts.verbose,
                                         window::TimeEngine::Options{1, 0});
    ws->setupWindows([this](size_t i, const window::WindowSpec &) {
      MapState s;
      s.index = uint32_t(i);
      maps.push_back(s);
    });
    engine().onSlotDue([this](MapId m, uint64_t slot) { readSlot(m, slot + 1); });
    if (sema.ast.program.alerts.empty())
      return true;
    // The alert conditions and bodies only: the probes run in the kernel.
    jit = HostJit::create(error);
    if (!jit)
      return false;
    auto ctx = std::make_unique<llvm::LLVMContext>();
    auto module = std::make_unique<llvm::Module>("obs_live_alerts", *ctx);
    module->setDataLayout(jit->dataLayout());
    module->setTargetTriple(jit->triple());
    if (!ws->lowerAlerts(*module, error))
      return false;
    std::vector<std::pair<std::string, void *>> syms;
    WindowSession::addSymbols(syms);
    if (!jit->defineAbsolute(syms, error))
      return false;
    if (!jit->addModule(std::move(module), std::move(ctx), error))
      return false;
    if (!ws->bindAlerts(*jit, error))
      return false;
    if (opts.verbose)
      std::cerr << "obsc: JIT compiled " << ws->alertCount() << " alert condition(s) and "
                << ws->alertBodyCount() << " alert body(ies) in "
                << output::formatNumber(jit->compileMs()) << " ms\n";
    return true;
  }

  /// obs_start_ns, as the loader wrote it into .rodata before the load.
  bool readStart(Loader &l) {
    bpf_object *obj = l.raw();
    if (!obj)
      return false;
    bpf_map *map;
    bpf_object__for_each_map(map, obj) {
      const char *name = bpf_map__name(map);
      size_t len = strlen(name);
      if (!bpf_map__is_internal(map) || len < 7 || strcmp(name + len - 7, ".rodata") != 0)
        continue;
      size_t size = 0;
      const void *data = bpf_map__initial_value(map, &size);
      if (data && size >= 8) {
        std::memcpy(&startNs, data, 8);
        return startNs != 0;
      }
    }
    return false;
  }

  /// Engine time of kernel time ns.
  uint64_t engineTime(uint64_t ns) const { return ns > startNs ? ns - startNs : 0; }

  void readSlot(MapId m, uint64_t seq) {
    MapState &st = maps[m];
    if (!loader || seq <= st.consumedSeq)
      return;
    const contract::MapSpec &ms = spec.maps[st.index];
    window::WindowedMap &wm = engine().map(m);
    int fd = loader->mapFd(ms.bpfName);
    int exFd = wm.spec().exemplars && !ms.exemplarMap.empty() ? loader->mapFd(ms.exemplarMap) : -1;
    std::string err;
    if (fd >= 0 && readWindowSlot(fd, ms, seq, parts, err, exFd)) {
      size_t merged = 0;
      for (const WindowPartial &p : parts) {
        KeyId k = engine().key(m, p.key.data());
        for (size_t c = 0; c < p.perCpu.size(); ++c) {
          // Exemplar times in engine time, as on replay (origin 0).
          obs_exemplar ex;
          bool haveEx = c < p.exemplars.size() && p.exemplars[c].size() >= sizeof ex;
          if (haveEx) {
            std::memcpy(&ex, p.exemplars[c].data(), sizeof ex);
            ex.ts = engineTime(ex.ts);
          }
          wm.mergeKernelPartial(k, p.perCpu[c].data(), haveEx ? &ex : nullptr);
          ++merged;
        }
      }
      ++slotsRead;
      partialsMerged += merged;
      if (opts.verbose > 1 || (opts.verbose && !parts.empty()))
        std::cerr << "obsc: " << ms.name << " slot " << seq - 1 << ": " << parts.size()
                  << " key(s), " << merged << " per-CPU partial(s)\n";
    } else if (!err.empty() && opts.verbose) {
      std::cerr << "obsc: " << err << "\n";
    }
    st.consumedSeq = seq;
    uint64_t total = readCounter(loader->mapFd(contract::kLateMap), st.index);
    if (total > st.lateSeen) {
      engine().recordLoss(m, window::LossKind::Late, (seq - 1) * ms.everyNs, total - st.lateSeen);
      if (opts.verbose)
        std::cerr << "obsc: " << ms.name << ": " << total - st.lateSeen << " late event(s)\n";
      st.lateSeen = total;
    }
    // Updates dropped because the map was full since the last slot: this
    // window's loss (it is marked degraded).
    uint64_t full = readCounter(loader->mapFd(contract::kFullMap), st.index);
    if (full > st.fullSeen) {
      engine().recordLoss(m, window::LossKind::MapFull, (seq - 1) * ms.everyNs,
                          full - st.fullSeen);
      if (opts.verbose)
        std::cerr << "obsc: " << ms.name << ": " << full - st.fullSeen
                  << " update(s) dropped, the map is full\n";
      st.fullSeen = full;
    }
  }

  uint64_t ringbufLost() const { return loader ? readCounter(loader->lostFd(), 0) : 0; }


  void recordRingbufLoss(uint64_t t) {
    uint64_t lost = ringbufLost();
    if (lost > lostSeen) {
      engine().recordLoss(window::LossKind::Ringbuf, t, lost - lostSeen);
      lostSeen = lost;
    }
  }

  void tick(Loader &l, uint64_t now) {
    if (!startNs && !readStart(l))
      return;
    loader = &l;
    lastNowNs = now;
    uint64_t t = engineTime(now);
    recordRingbufLoss(t);
    if (t > opts.graceNs)
      engine().advanceIdle(t - opts.graceNs);
    loader = nullptr;
  }

  void finish(const Loader &l) {
    if (!startNs)
      return; // never ran (exit() in BEGIN before any tick): no windows
    loader = &l;
    // Detached, END has run, the ring buffer is drained: no event is in
    // flight, so the watermark goes to the last tick without a grace.
    uint64_t end = engineTime(lastNowNs);
    recordRingbufLoss(end);
    engine().advanceIdle(end);
    // The slots of the windows still open.
    for (MapId m = 0; m < maps.size(); ++m) {
      const contract::MapSpec &ms = spec.maps[maps[m].index];
      uint64_t step = ms.everyNs ? ms.everyNs : ms.overNs;
      if (!step)
        continue;
      uint64_t last = end / step + 1;
      for (uint64_t seq = maps[m].consumedSeq + 1; seq <= last; ++seq)
        readSlot(m, seq);
    }
    engine().finish(end);
    loader = nullptr;
    if (opts.verbose)
      std::cerr << "obsc: windows: " << slotsRead << " slot(s) read, " << partialsMerged
                << " per-CPU partial(s) merged\n";
  }
};

bool LiveWindows::needed(const SemaContext &sema, const contract::ObjectSpec &spec) {
  if (!sema.ast.program.alerts.empty())
    return true;
  for (const contract::MapSpec &m : spec.maps)
    if (m.windowed)
      return true;
  return false;
}

std::unique_ptr<LiveWindows> LiveWindows::create(SemaContext &sema,
                                                 const contract::ObjectSpec &spec,
                                                 ProbeCatalog &, output::OutputFormat &out,
                                                 const LiveWindowsOptions &opts,
                                                 std::string &error) {
  auto impl = std::make_unique<Impl>();
  impl->spec = spec;
  impl->opts = opts;
  if (!impl->setup(sema, out, error))
    return nullptr;
  return std::unique_ptr<LiveWindows>(new LiveWindows(std::move(impl)));
}

LiveWindows::LiveWindows(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LiveWindows::~LiveWindows() = default;

void LiveWindows::tick(Loader &loader, uint64_t nowKtimeNs) { impl_->tick(loader, nowKtimeNs); }
void LiveWindows::finish(const Loader &loader) { impl_->finish(loader); }
uint64_t LiveWindows::startNs() const { return impl_->startNs; }

bool LiveWindows::print(const std::string &name) {
  for (const contract::MapSpec &m : impl_->spec.maps)
    if (m.windowed && m.name == name) {
      impl_->ws->printLastWindow(m);
      return true;
    }
  return false;
}

} // namespace obs
