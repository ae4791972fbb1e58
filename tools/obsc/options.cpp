//===- options.cpp - the obsc command line --------------------------------===//
#include "tools/obsc/options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace obs {

void printUsage() {
  std::fputs(
      "usage: obsc [options] FILE [ARGS...]\n"
      "       obsc [options] -e PROGRAM [ARGS...]\n"
      "       obsc check [options] (FILE | -e PROGRAM)\n"
      "       obsc -l [PATTERN] [-v]\n"
      "       obsc test FILE (--events EVENTS | --stream SPEC)\n"
      "       obsc record -o EVENTS (FILE | -e PROGRAM) [-c CMD]\n"
      "\n"
      "options:\n"
      "  -e PROGRAM          trace with the program given on the command line\n"
      "  -l [PATTERN]        list probes (with -v, their arguments)\n"
      "  -p PID              trace only this process (uprobes, filters)\n"
      "  -c CMD              run CMD, trace it, stop when it exits\n"
      "  -f text|json        output format (default text)\n"
      "  -o FILE             write the BPF object to FILE (with --dry-run) or output\n"
      "  --dump=STAGE[,..]   print a stage: tokens, ast, types, ir, bpf\n"
      "  --emit-llvm FILE    write the kernel half's LLVM IR to FILE\n"
      "  --dry-run           compile and load, do not attach\n"
      "  --explain           print what runs in the kernel and what crosses\n"
      "  --param NAME=VALUE  override a module parameter\n"
      "  --btf FILE          read kernel types from FILE, not the running kernel\n"
      "  --tracefs DIR       read tracepoints from DIR, not /sys/kernel/tracing\n"
      "  --kallsyms FILE     read kernel symbols (kaddr) from FILE, not /proc/kallsyms\n"
      "  --unsafe            allow system() and signal()\n"
      "  --kprobes=MODE      kprobe:F as kprobes or as fentry (auto: fentry when\n"
      "                      the kernel has no kprobes)\n"
      "  --ringbuf-size N    ring buffer bytes, a power of two (default 1MB)\n"
      "  --map-size N        keys per map (default 10240)\n"
      "  -v                  verbose\n"
      "  -h, --help          this message\n",
      stdout);
}

std::optional<Options> parseOptions(int argc, char **argv, std::string &error) {
  Options o;
  int i = 1;
  if (i < argc) {
    std::string first = argv[i];
    if (first == "check") { o.command = Command::Check; ++i; }
    else if (first == "test") { o.command = Command::Test; ++i; }
    else if (first == "record") { o.command = Command::Record; ++i; }
  }
  auto value = [&](const char *flag) -> std::optional<std::string> {
    if (i + 1 >= argc) {
      error = std::string("option '") + flag + "' needs a value";
      return std::nullopt;
    }
    return std::string(argv[++i]);
  };
  bool sawProgram = false;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = [&](const char *name) -> std::optional<std::string> {
      size_t n = std::strlen(name);
      if (a.compare(0, n, name) == 0 && a.size() > n && a[n] == '=')
        return a.substr(n + 1);
      return std::nullopt;
    };
    if (a == "--") {
      for (++i; i < argc; ++i)
        o.positional.push_back(argv[i]);
      break;
    }
    // Options may follow the program, as with getopt; other words after the
    // program are its positional parameters ($1 ...).
    if (sawProgram && (a.size() < 2 || a[0] != '-' || (a[1] >= '0' && a[1] <= '9'))) {
      o.positional.push_back(a);
    } else if (a == "-e") {
      auto v = value("-e"); if (!v) return std::nullopt;
      o.program = *v; sawProgram = true;
    } else if (a == "-h" || a == "--help") {
      o.command = Command::Help;
    } else if (a == "-V" || a == "--version") {
      o.command = Command::Version;
    } else if (a == "-l") {
      o.command = Command::List;
      if (i + 1 < argc && argv[i + 1][0] != '-') o.listPattern = argv[++i];
    } else if (a == "-v") {
      ++o.verbose;
    } else if (a == "-p") {
      auto v = value("-p"); if (!v) return std::nullopt;
      o.pid = std::atoi(v->c_str());
      if (o.pid <= 0) { error = "-p needs a process id, not '" + *v + "'"; return std::nullopt; }
    } else if (a == "-c") {
      auto v = value("-c"); if (!v) return std::nullopt; o.command_ = *v;
    } else if (a == "-f") {
      auto v = value("-f"); if (!v) return std::nullopt; o.format = *v;
    } else if (a == "-o") {
      auto v = value("-o"); if (!v) return std::nullopt; o.output = *v;
    } else if (auto v = eq("--dump")) {
      size_t s = 0;
      while (s <= v->size()) {
        size_t c = v->find(',', s);
        if (c == std::string::npos) c = v->size();
        o.dumps.push_back(v->substr(s, c - s));
        s = c + 1;
      }
    } else if (a == "--emit-llvm") {
      auto v = value("--emit-llvm"); if (!v) return std::nullopt; o.emitLLVM = *v;
    } else if (auto v = eq("--emit-llvm")) {
      o.emitLLVM = *v;
    } else if (a == "--btf") {
      auto v = value("--btf"); if (!v) return std::nullopt; o.btfPath = *v;
    } else if (auto v = eq("--btf")) {
      o.btfPath = *v;
    } else if (a == "--kallsyms") {
      auto v = value("--kallsyms"); if (!v) return std::nullopt; o.kallsymsPath = *v;
    } else if (auto v = eq("--kallsyms")) {
      o.kallsymsPath = *v;
    } else if (a == "--tracefs") {
      auto v = value("--tracefs"); if (!v) return std::nullopt; o.tracefsDir = *v;
    } else if (auto v = eq("--tracefs")) {
      o.tracefsDir = *v;
    } else if (a == "--events") {
      auto v = value("--events"); if (!v) return std::nullopt; o.events = *v;
    } else if (a == "--stream") {
      auto v = value("--stream"); if (!v) return std::nullopt; o.stream = *v;
    } else if (a == "--param" || eq("--param")) {
      std::string p;
      if (auto v = eq("--param")) p = *v;
      else { auto w = value("--param"); if (!w) return std::nullopt; p = *w; }
      size_t e = p.find('=');
      if (e == std::string::npos || e == 0) { error = "--param needs NAME=VALUE, not '" + p + "'"; return std::nullopt; }
      o.params[p.substr(0, e)] = p.substr(e + 1);
    } else if (a == "--ringbuf-size" || eq("--ringbuf-size") || a == "--map-size" ||
               eq("--map-size")) {
      bool ring = a.rfind("--ringbuf-size", 0) == 0;
      std::string v;
      if (auto x = eq(ring ? "--ringbuf-size" : "--map-size")) v = *x;
      else { auto w = value(ring ? "--ringbuf-size" : "--map-size"); if (!w) return std::nullopt; v = *w; }
      char *end = nullptr;
      unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      std::string unit = end ? end : "";
      if (unit == "K" || unit == "KB") n <<= 10;
      else if (unit == "M" || unit == "MB") n <<= 20;
      else if (!unit.empty()) n = 0;
      if (ring && (n < 4096 || n > (1ull << 30) || (n & (n - 1)))) {
        error = "--ringbuf-size must be a power of two from 4096 (4KB) to 1GB, not '" + v + "'";
        return std::nullopt;
      }
      if (!ring && (n == 0 || n > (1ull << 24))) {
        error = "--map-size must be a number of keys from 1 to 16777216, not '" + v + "'";
        return std::nullopt;
      }
      (ring ? o.ringbufBytes : o.mapEntries) = static_cast<uint32_t>(n);
    } else if (a == "--dry-run") {
      o.dryRun = true;
    } else if (a == "--explain") {
      o.explain = true;
    } else if (a == "--unsafe") {
      o.unsafe = true;
    } else if (a == "--kprobes" || eq("--kprobes")) {
      std::string v;
      if (auto x = eq("--kprobes")) v = *x;
      else { auto w = value("--kprobes"); if (!w) return std::nullopt; v = *w; }
      if (v != "auto" && v != "kprobe" && v != "fentry") {
        error = "--kprobes must be auto, kprobe or fentry, not '" + v + "'";
        return std::nullopt;
      }
      o.kprobes = v;
    } else if (a.size() > 1 && a[0] == '-') {
      error = "unknown option '" + a + "'";
      return std::nullopt;
    } else if (o.command == Command::List) {
      o.listPattern = a;
    } else {
      o.file = a; sawProgram = true;
    }
  }
  if ((o.command == Command::Run || o.command == Command::Check ||
       o.command == Command::Test || o.command == Command::Record) &&
      o.program.empty() && o.file.empty()) {
    if (o.command == Command::Run && argc <= 1) { o.command = Command::Help; return o; }
    error = "no program given: pass a FILE or -e PROGRAM";
    return std::nullopt;
  }
  if (o.command == Command::Record) {
    // `obsc record -o EVENTS`: -o names the events file, not the object.
    if (o.output.empty()) {
      error = "'obsc record' needs -o EVENTS (or -o - for standard output)";
      return std::nullopt;
    }
    o.events = o.output;
    o.output.clear();
  }
  for (const std::string &d : o.dumps)
    if (d != "tokens" && d != "ast" && d != "types" && d != "ir" && d != "bpf") {
      error = "unknown --dump stage '" + d + "'; expected tokens, ast, types, ir or bpf";
      return std::nullopt;
    }
  if (o.format != "text" && o.format != "json") {
    error = "unknown output format '" + o.format + "'; expected text or json";
    return std::nullopt;
  }
  return o;
}

} // namespace obs
