//===- backend.cpp - codegen and runtime stages of obsc -------------------===//
//
// After the front end: lower to a BPF object (codegen), then load, attach
// and run it (runtime/session), printing through runtime/output in text or
// JSON. `--dump=ir|bpf`, `--emit-llvm`, `-o` and `--dry-run` stop early.
//
//===----------------------------------------------------------------------===//
#include "tools/obsc/backend.h"

#include "codegen/codegen.h"
#include "codegen/host/live_windows.h"
#include "lang/sema/catalog/catalog.h"
#include "runtime/output/format.h"
#include "runtime/output/printer.h"
#include "runtime/session.h"
#include "runtime/symbols.h"
#include "runtime/user_symbols.h"
#include "tools/obsc/explain.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <sys/wait.h>
#include <unistd.h>

namespace obs {
namespace {

bool wants(const Options &o, const char *stage) {
  return std::find(o.dumps.begin(), o.dumps.end(), stage) != o.dumps.end();
}

bool writeFile(const std::string &path, const char *data, size_t size) {
  std::ofstream f(path, std::ios::binary);
  f.write(data, static_cast<std::streamsize>(size));
  if (!f) {
    std::cerr << "obsc: error: cannot write '" << path << "'\n";
    return false;
  }
  return true;
}

/// `-c CMD`: run through the shell when it has shell syntax, else split on
/// blanks, as bpftrace does.
std::vector<std::string> commandArgv(const std::string &cmd) {
  if (cmd.find_first_of("'\"$;&|<>()*?`") != std::string::npos)
    return {"/bin/sh", "-c", cmd};
  std::vector<std::string> argv;
  size_t i = 0;
  while (i < cmd.size()) {
    while (i < cmd.size() && (cmd[i] == ' ' || cmd[i] == '\t'))
      ++i;
    size_t j = i;
    while (j < cmd.size() && cmd[j] != ' ' && cmd[j] != '\t')
      ++j;
    if (j > i)
      argv.push_back(cmd.substr(i, j - i));
    i = j;
  }
  return argv;
}

/// cat(): at most kCatBytes of the file, as bpftrace (BPFTRACE_CAT_BYTES_MAX).
bool catFile(const std::string &path, std::string &text) {
  constexpr size_t kCatBytes = 10240;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::cerr << "obsc: error: failed to open file '" << path << "': " << strerror(errno)
              << "\n";
    return false;
  }
  char buf[4096];
  while (text.size() < kCatBytes) {
    ssize_t n = ::read(fd, buf, std::min(sizeof buf, kCatBytes - text.size()));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    text.append(buf, size_t(n));
  }
  ::close(fd);
  return true;
}

/// system(): /bin/sh -c CMD, its standard output collected (popen, as
/// bpftrace); `out` is flushed first so that earlier output comes first.
bool runCommand(const std::string &cmd, std::ostream &out, std::string &text) {
  out.flush();
  std::fflush(stdout);
  FILE *p = popen(cmd.c_str(), "r");
  if (!p) {
    std::cerr << "obsc: error: system(\"" << cmd << "\"): " << strerror(errno) << "\n";
    return false;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    text.append(buf, n);
  pclose(p);
  return true;
}

} // namespace

int runBackEnd(Compilation &c, std::ostream &out, const BackEndExtras *extras) {
  const Options &o = c.options;
  CodegenOptions co;
  co.filterPid = o.pid;
  co.record = extras && extras->record;
  co.notePids = true;
  if (o.ringbufBytes)
    co.ringbufBytes = o.ringbufBytes;
  if (o.mapEntries)
    co.mapEntries = o.mapEntries;
  // Kernels built without CONFIG_KPROBES have no kprobe PMU: run kprobe:F
  // through a BPF trampoline (fentry) instead, when F has BTF. --dry-run
  // keeps kprobes (they load and verify there; only attaching needs the PMU).
  co.kprobesAsFentry = o.kprobes == "fentry" ||
                       (o.kprobes == "auto" && !o.dryRun && o.btfPath.empty() &&
                        access("/sys/bus/event_source/devices/kprobe/type", F_OK) != 0);
  std::string ir, bpf;
  CodegenDumps dumps;
  if (wants(o, "ir") || !o.emitLLVM.empty())
    dumps.ir = &ir;
  if (wants(o, "bpf"))
    dumps.bpf = &bpf;
  auto object = compileToBpf(*c.sema, co, dumps);
  if (!object) {
    c.diags.print(std::cerr, c.sources);
    return 1;
  }
  if (wants(o, "ir"))
    out << ir;
  if (wants(o, "bpf"))
    out << bpf;
  if (!o.emitLLVM.empty() && !writeFile(o.emitLLVM, ir.data(), ir.size()))
    return 1;
  if (!o.output.empty() && !writeFile(o.output, object->elf.data(), object->elf.size()))
    return 1;
  if (o.explain) {
    explainProgram(out, *c.sema, object->spec);
    return 0;
  }
  if (!o.dumps.empty() || ((!o.emitLLVM.empty() || !o.output.empty()) && !o.dryRun))
    return 0;

  if (geteuid() != 0 && !o.dryRun) {
    // Loading needs CAP_BPF and CAP_PERFMON; try anyway and let the kernel
    // answer, but say what is likely wrong if it refuses.
  }

  std::unique_ptr<output::OutputFormat> printer = output::makeOutput(o.format, out, std::cerr);
  // Kernel frames from kallsyms; user frames and usym() through the
  // process's mappings and ELF symbols (runtime/user_symbols.h).
  output::Symbolizer symbolizer([&c](const output::SymbolQuery &q) -> std::string {
    if (q.user)
      return userSymbolizer().text(q.pid, q.addr, q.offset, q.module);
    uint64_t off = 0;
    if (auto sym = c.catalog->kernelSymbols().lookup(q.addr, &off))
      return q.offset ? std::string(sym->name) + "+" + std::to_string(off) : std::string(sym->name);
    char buf[32];
    snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(q.addr));
    return buf;
  });
  printer->setSymbolizer(symbolizer);
  // ksym() and the runtime's kernel frames: the same table (read once).
  setRunningKernelSymbols(&c.catalog->kernelSymbols());

  RunOptions ro;
  ro.dryRun = o.dryRun;
  if (!o.command_.empty())
    ro.command = commandArgv(o.command_);
  size_t probes = object->spec.programs.size();
  // Interactive output is flushed per record; to a file or a pipe it is
  // flushed at every tick (at most 100 ms apart), which keeps the consumer
  // ahead of the ring buffer under load.
  bool flushEach = isatty(STDOUT_FILENO);
  bool exiting = false;
  std::vector<MapDump> exitMaps;
  RunHooks hooks;
  // The format table (strftime() values name their format by id); a copy:
  // the object moves into the session.
  const std::vector<contract::PrintfSpec> formatTable = object->spec.formats;
  const std::vector<contract::PrintfSpec> *formats = &formatTable;
  hooks.printf = [&](const contract::PrintfSpec &s, const uint8_t *rec,
                     size_t size) {
    if (!s.json.empty()) // print(value)
      printer->printValueRecord(
          output::formatPrintfRecord(s, rec, size, formats),
          output::formatValueJson(s, rec, size, formats));
    else
      printer->printPrintf(output::formatPrintfRecord(s, rec, size, formats));
    if (flushEach)
      out.flush();
  };
  // cat(): the file's contents now; system(): the command's standard output
  // (its standard error goes straight to ours), both through the printer so
  // they stay in order with printf.
  hooks.action = [&](contract::EventKind kind, const contract::PrintfSpec &s, const uint8_t *rec,
                     size_t size) {
    std::string text = output::formatPrintfRecord(s, rec, size, formats);
    std::string result;
    if (kind == contract::EventKind::Cat ? catFile(text, result) : runCommand(text, out, result))
      printer->printPrintf(result);
    if (flushEach)
      out.flush();
  };
  std::unique_ptr<LiveWindows> live;
  hooks.printMap = [&](const MapDump &d) {
    // print(@m) of a windowed map: its last window, not the raw slots.
    if (live && live->print(d.name))
      return;
    if (exiting)
      exitMaps.push_back(d);
    else
      printer->printMap(d);
  };
  hooks.text = [&](const std::string &t) {
    printer->printPrintf(t);
    if (flushEach)
      out.flush();
  };
  hooks.tick = [&](Loader &, uint64_t) { out.flush(); };
  // bpftrace prints the banner before BEGIN runs, so that a program that
  // exits in BEGIN still shows it.
  hooks.loaded = [&] {
    printer->printAttached(probes);
    out.flush();
  };
  hooks.exiting = [&] { exiting = true; };
  hooks.lost = [&](uint64_t n) {
    window::LossCounts lost;
    lost.ringbuf = n;
    printer->printLostTotal(lost);
  };
  hooks.mapFull = [&](const contract::MapSpec &m, uint64_t n) {
    std::cerr << "obsc: " << n << (n == 1 ? " update of " : " updates of ") << m.name
              << (n == 1 ? " was" : " were") << " dropped: the map is full (" << m.maxEntries
              << " entries; raise it with --map-size)\n";
    if (o.format == "json") { // and a record for programs reading the output
      window::LossCounts lost;
      lost.mapFull = n;
      printer->printLostTotal(lost);
    }
  };

  // Windows and alerts: the kernel leaves per-slot partials, user space
  // closes the windows and evaluates the alerts (codegen/host/live_windows.h).
  if (!ro.dryRun && LiveWindows::needed(*c.sema, object->spec)) {
    LiveWindowsOptions lo;
    lo.verbose = o.verbose;
    std::string err;
    live = LiveWindows::create(*c.sema, object->spec, *c.catalog, *printer, lo, err);
    if (!live) {
      c.diags.print(std::cerr, c.sources);
      if (!err.empty())
        std::cerr << "obsc: error: " << err << "\n";
      return 1;
    }
    hooks.tick = [&](Loader &l, uint64_t now) {
      live->tick(l, now);
      out.flush();
    };
    hooks.atExit = [&](const Loader &l) {
      live->finish(l);
      out.flush();
    };
  }

  // Stacks and user symbols in printf are rendered here, as the record is
  // consumed (the process is likely alive: its mappings are read now); the
  // processes named by ustack/usym map keys are read on every tick, so
  // their stacks still resolve in the dump at exit.
  int stacksFd = -1;
  hooks.opened = [&](const Loader &l) { stacksFd = l.mapFd(contract::kStacksMap); };
  // Alert exemplars carry stack ids: their frames are read as they print.
  printer->setStackReader([&stacksFd](int64_t id) { return readStackFrames(stacksFd, id); });
  // Announced by the kernel the first time a process's ustack/usym is a
  // map key (CodegenOptions::notePids): read its mappings at once.
  hooks.newPid = [](uint32_t pid) { userSymbolizer().snapshot(pid); };
  if (hooks.printf) {
    auto plainPrintf = hooks.printf;
    hooks.printf = [&, plainPrintf](const contract::PrintfSpec &s, const uint8_t *rec,
                                    size_t size) {
      contract::PrintfSpec s2;
      std::vector<uint8_t> r2;
      if (renderSymbolicPrintf(s, rec, size, stacksFd, symbolizer, s2, r2))
        plainPrintf(s2, r2.data(), r2.size());
      else
        plainPrintf(s, rec, size);
    };
  }
  auto plainTick = hooks.tick;
  hooks.tick = [plainTick](Loader &l, uint64_t now) {
    snapshotMapPids(l);
    if (plainTick)
      plainTick(l, now);
  };

  if (extras && extras->setup)
    extras->setup(hooks, object->spec);
  RunResult r = runSession(std::move(*object), ro, hooks);
  if (r.loadFailed) {
    std::cerr << "obsc: error: " << r.loadError.render() << "\n";
    return 1;
  }
  if (ro.dryRun) {
    if (o.verbose)
      std::cerr << "obsc: loaded " << probes << " program(s); not attached (--dry-run)\n";
    return 0;
  }
  // At exit, every non-empty map, in alphabetical order of name.
  std::sort(exitMaps.begin(), exitMaps.end(),
            [](const MapDump &a, const MapDump &b) { return a.name < b.name; });
  // bpftrace 0.17 ends every run with two newlines, maps or not.
  printer->printExitSeparator();
  for (const MapDump &d : exitMaps) {
    if (d.entries.empty())
      continue;
    printer->printMap(d);
  }
  out.flush();
  if (!r.error.empty()) {
    std::cerr << "obsc: error: " << r.error << "\n";
    return 1;
  }
  // -c CMD that could not be run (the child reported it and exited 127).
  if (r.commandStatus >= 0 && WIFEXITED(r.commandStatus) && WEXITSTATUS(r.commandStatus) == 127)
    return 1;
  if (o.verbose)
    std::cerr << "obsc: " << r.events << " events, " << r.lost << " lost\n";
  return r.exitStatus; // exit(code)
}

} // namespace obs
