//===- e2e_main.cpp - obs-e2e: the real front end, then codegen and a run -===//
//
// A test driver for the back end before obsc's backend.cpp is wired: it
// takes obsc's command line, runs obsc's front end (tools/obsc/pipeline),
// then compileToBpf() and runSession(), with plain printers. It is also the
// reference for wiring runBackEnd().
//
//===----------------------------------------------------------------------===//

#include "codegen/codegen.h"
#include "runtime/ringbuf.h"
#include "runtime/session.h"
#include "tools/obsc/options.h"
#include "tools/obsc/pipeline.h"

#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace obs;

static void plainDump(const MapDump &d) {
  for (const MapEntry &e : d.entries) {
    std::cout << d.name;
    if (!e.key.empty()) {
      std::cout << "[";
      for (size_t i = 0; i < e.key.size(); ++i) {
        const KeyPart &k = e.key[i];
        std::cout << (i ? ", " : "");
        if (k.kind == KeyPart::Kind::Int) std::cout << k.i;
        else if (k.kind == KeyPart::Kind::Uint) std::cout << k.u;
        else if (k.kind == KeyPart::Kind::Stack) std::cout << "<stack of " << k.stack.size() << ">";
        else std::cout << k.s;
      }
      std::cout << "]";
    }
    const MapValue &v = e.value;
    std::cout << ": ";
    if (v.isTuple) {
      std::cout << "(";
      for (size_t i = 0; i < v.tuple.size(); ++i) {
        const KeyPart &k = v.tuple[i];
        std::cout << (i ? ", " : "");
        if (k.kind == KeyPart::Kind::Int) std::cout << k.i;
        else if (k.kind == KeyPart::Kind::Uint) std::cout << k.u;
        else std::cout << k.s;
      }
      std::cout << ")\n";
      continue;
    }
    switch (d.kind) {
    case MapValueKind::Avg: std::cout << (v.count ? v.total / int64_t(v.count) : 0); break;
    case MapValueKind::Stats:
      std::cout << "count " << v.count << ", average " << (v.count ? v.total / int64_t(v.count) : 0)
                << ", total " << v.total;
      break;
    case MapValueKind::Hist:
    case MapValueKind::Lhist:
      for (size_t i = 0; i < v.buckets.size(); ++i)
        if (v.buckets[i])
          std::cout << " [" << i << "]=" << v.buckets[i];
      break;
    default:
      if (v.isString) std::cout << v.str; else std::cout << v.scalar;
    }
    std::cout << "\n";
  }
}

int main(int argc, char **argv) {
  std::string error;
  auto opts = parseOptions(argc, argv, error);
  if (!opts) {
    std::cerr << "obs-e2e: " << error << "\n";
    return 2;
  }
  Compilation c(*opts);
  if (!runFrontEnd(c, std::cout))
    return 1;
  CodegenOptions co;
  co.filterPid = opts->pid;
  std::string ir, bpf;
  CodegenDumps dumps;
  for (const std::string &d : opts->dumps) {
    if (d == "ir") dumps.ir = &ir;
    if (d == "bpf") dumps.bpf = &bpf;
  }
  auto obj = compileToBpf(*c.sema, co, dumps);
  if (!obj) {
    c.diags.print(std::cerr, c.sources);
    return 1;
  }
  std::cout << ir << bpf;
  if (!opts->output.empty()) {
    std::ofstream f(opts->output, std::ios::binary);
    f.write(obj->elf.data(), std::streamsize(obj->elf.size()));
  }
  if (dumps.ir || dumps.bpf)
    return 0;
  RunOptions ro;
  ro.dryRun = opts->dryRun;
  if (!opts->command_.empty()) {
    std::istringstream is(opts->command_);
    for (std::string w; is >> w;)
      ro.command.push_back(w);
  }
  if (const char *d = getenv("OBS_DURATION_MS"))
    ro.durationMs = atoi(d);
  RunHooks hooks;
  hooks.printf = [](const contract::PrintfSpec &s, const uint8_t *rec, size_t size) {
    std::cout << formatPrintf(s, rec, size) << std::flush;
  };
  hooks.printMap = plainDump;
  hooks.text = [](const std::string &t) { std::cout << t << std::flush; };
  hooks.lost = [](uint64_t n) { std::cerr << "obsc: " << n << " events lost\n"; };
  hooks.attached = [](size_t n) { std::cerr << "Attached " << n << " probe(s)\n"; };
  hooks.atExit = [](const Loader &loader) {
    // A plain look at windowed maps: events per slot (the window engine
    // turns these into windows).
    for (const contract::MapSpec &m : loader.spec().maps) {
      if (!m.windowed)
        continue;
      int fd = loader.mapFd(m.bpfName);
      for (uint64_t seq = 1; seq <= 64; ++seq) {
        std::vector<WindowPartial> parts;
        std::string e;
        int exFd = m.exemplarMap.empty() ? -1 : loader.mapFd(m.exemplarMap);
        if (!readWindowSlot(fd, m, seq, parts, e, exFd) || parts.empty())
          continue;
        uint64_t events = 0;
        for (const WindowPartial &w : parts)
          for (const auto &v : w.perCpu) {
            uint64_t c;
            memcpy(&c, v.data() + 8, 8);
            events += c;
          }
        std::cout << m.name << " " << m.function << " slot " << seq - 1 << ": " << parts.size()
                  << " key(s), " << events << " event(s)\n";
        if (getenv("OBS_DUMP_PARTIALS"))
          for (const WindowPartial &w : parts)
            for (const auto &v : w.perCpu) {
              std::cout << "  words:";
              for (size_t i = 0; i + 8 <= v.size() && i < 96; i += 8) {
                int64_t x;
                memcpy(&x, v.data() + i, 8);
                std::cout << " " << x;
              }
              std::cout << "\n";
            }
        if (getenv("OBS_DUMP_PARTIALS"))
          for (const WindowPartial &w : parts)
            for (const auto &x : w.exemplars) {
              uint32_t pid, ppid;
              memcpy(&pid, x.data() + 16, 4);
              memcpy(&ppid, x.data() + 24, 4);
              std::cout << "  exemplar: pid " << pid << " ppid " << ppid << " comm "
                        << reinterpret_cast<const char *>(x.data() + 64) << "\n";
            }
      }
      std::cout << m.name << " late: " << readCounter(loader.mapFd(contract::kLateMap), 0) << "\n";
    }
  };
  RunResult r = runSession(std::move(*obj), ro, hooks);
  if (r.loadFailed) {
    std::cerr << "obsc: error: " << r.loadError.render() << "\n";
    return 1;
  }
  if (!r.error.empty()) {
    std::cerr << "obsc: error: " << r.error << "\n";
    return 1;
  }
  if (ro.dryRun)
    std::cerr << "loaded (dry run)\n";
  return 0;
}
