//===- loader.cpp - load, attach and detach with libbpf -------------------===//

#include "runtime/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <ctime>
#include <mutex>
#include <sstream>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace obs {

//===-- libbpf messages ----------------------------------------------------===//

namespace {
std::mutex gLogMutex;
std::string *gCapture = nullptr; // libbpf output while loading, else dropped
bool gVerbose = getenv("OBS_LIBBPF_DEBUG") != nullptr;

int libbpfPrint(enum libbpf_print_level level, const char *fmt, va_list args) {
  char buf[8192];
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(buf, sizeof buf, fmt, copy);
  va_end(copy);
  if (gVerbose)
    fputs(buf, stderr);
  if (gCapture && level != LIBBPF_DEBUG) {
    if (n >= int(sizeof buf)) { // long verifier logs
      std::string big(size_t(n) + 1, '\0');
      vsnprintf(big.data(), big.size(), fmt, args);
      big.resize(size_t(n));
      gCapture->append(big);
    } else {
      gCapture->append(buf);
    }
  }
  return 0;
}

void initLibbpf() {
  static std::once_flag once;
  std::call_once(once, [] {
    libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
    // RLIMIT_MEMLOCK: libbpf 1.x probes for memcg accounting of BPF memory
    // (5.11+) and then leaves the limit alone; where it does try to raise it
    // and fails, it only warns. Nothing here fails because of it.
    libbpf_set_print(libbpfPrint);
  });
}

std::string errnoText(int err) {
  char buf[128];
  libbpf_strerror(err, buf, sizeof buf);
  return buf;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r'))
    s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ')
    ++i;
  return s.substr(i);
}

bool isInsnLine(const std::string &l) {
  size_t i = 0;
  while (i < l.size() && isdigit((unsigned char)l[i]))
    ++i;
  return i > 0 && i + 1 < l.size() && l[i] == ':' && l[i + 1] == ' ';
}

/// Fills reason, instruction and source line from a verifier log.
void parseVerifierLog(const std::string &log, LoadError &e) {
  std::vector<std::string> lines;
  std::istringstream is(log);
  for (std::string l; std::getline(is, l);)
    lines.push_back(l);
  // The verifier's own log sits between libbpf's markers.
  size_t begin = 0, end = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find("-- BEGIN PROG LOAD LOG --") != std::string::npos)
      begin = i + 1;
    if (lines[i].find("-- END PROG LOAD LOG --") != std::string::npos) {
      end = i;
      break;
    }
  }
  // The reason: the last line before the statistics that is neither an
  // instruction, a source annotation nor a register state dump.
  size_t stop = end;
  for (size_t i = begin; i < end; ++i)
    if (lines[i].rfind("processed ", 0) == 0) {
      stop = i;
      break;
    }
  size_t reasonAt = stop;
  for (size_t i = stop; i-- > begin;) {
    const std::string &l = lines[i];
    if (trim(l).empty() || isInsnLine(l) || l.rfind("; ", 0) == 0 ||
        l.rfind("verification time", 0) == 0 || l.rfind("stack depth", 0) == 0)
      continue;
    e.reason = trim(l);
    reasonAt = i;
    break;
  }
  size_t insnAt = reasonAt;
  for (size_t i = reasonAt; i-- > begin;)
    if (isInsnLine(lines[i])) {
      e.instruction = trim(lines[i]);
      insnAt = i;
      break;
    }
  for (size_t i = insnAt; i-- > begin;) {
    const std::string &l = lines[i];
    if (l.rfind("; ", 0) == 0) {
      // "; <source text> @ <file>:<line>"
      auto at = l.rfind(" @ ");
      if (at != std::string::npos) {
        e.sourceLine = trim(l.substr(2, at - 2));
        e.location = trim(l.substr(at + 3));
      } else {
        e.sourceLine = trim(l.substr(2));
      }
      break;
    }
  }
}

/// The file offset of virtual address `vaddr` in ELF `path` (through its
/// PT_LOAD segments), or 0.
uint64_t fileOffsetOf(const std::string &path, uint64_t vaddr) {
  if (elf_version(EV_CURRENT) == EV_NONE)
    return 0;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  uint64_t result = 0;
  if (Elf *e = elf_begin(fd, ELF_C_READ, nullptr)) {
    size_t n = 0;
    if (elf_getphdrnum(e, &n) == 0)
      for (size_t i = 0; i < n; ++i) {
        GElf_Phdr ph;
        if (gelf_getphdr(e, int(i), &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
            vaddr < ph.p_vaddr + ph.p_filesz) {
          result = vaddr - ph.p_vaddr + ph.p_offset;
          break;
        }
      }
    elf_end(e);
  }
  ::close(fd);
  return result;
}

int perfEventOpen(perf_event_attr *attr, pid_t pid, int cpu) {
  return int(syscall(__NR_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}
} // namespace

std::string LoadError::render() const {
  std::string out = message;
  if (!location.empty() || !sourceLine.empty())
    out += "\n  at " + (location.empty() ? std::string("<script>") : location) +
           (sourceLine.empty() ? "" : ": " + sourceLine);
  if (!instruction.empty())
    out += "\n  instruction: " + instruction;
  if (!reason.empty())
    out += "\n  verifier: " + reason;
  return out;
}

bool ensureTracefs(std::string &error) {
  struct stat st;
  if (stat("/sys/kernel/tracing/events", &st) == 0 ||
      stat("/sys/kernel/debug/tracing/events", &st) == 0)
    return true;
  if (geteuid() != 0) {
    error = "tracefs is not mounted at /sys/kernel/tracing and mounting it needs root";
    return false;
  }
  if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0) {
    error = std::string("cannot mount tracefs at /sys/kernel/tracing: ") + strerror(errno);
    return false;
  }
  return true;
}

//===-- Loader -------------------------------------------------------------===//

Loader::Loader(contract::BpfObject object) : object_(std::move(object)) { initLibbpf(); }

Loader::~Loader() { close(); }

bool Loader::load(LoadError &error) {
  std::string captured;
  {
    std::lock_guard<std::mutex> lock(gLogMutex);
    gCapture = &captured;
  }
  struct Uncapture {
    ~Uncapture() {
      std::lock_guard<std::mutex> lock(gLogMutex);
      gCapture = nullptr;
    }
  } uncapture;

  LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "obs");
  obj_ = bpf_object__open_mem(object_.elf.data(), object_.elf.size(), &oo);
  if (!obj_) {
    int err = -errno;
    error.message = "libbpf cannot open the compiled object: " + errnoText(err);
    error.log = captured;
    return false;
  }
  // Read-only data: the start time for `elapsed` (contract::ReadOnlyData).
  bpf_map *map;
  bpf_object__for_each_map(map, obj_) {
    const char *name = bpf_map__name(map);
    size_t len = strlen(name);
    if (bpf_map__is_internal(map) && len >= 7 && strcmp(name + len - 7, ".rodata") == 0) {
      size_t size = 0;
      const void *data = bpf_map__initial_value(map, &size);
      timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      uint64_t now = uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
      if (data && size >= sizeof now) {
        std::vector<char> copy(static_cast<const char *>(data),
                               static_cast<const char *>(data) + size);
        memcpy(copy.data(), &now, sizeof now); // obs_start_ns is the only .rodata symbol
        bpf_map__set_initial_value(map, copy.data(), copy.size());
      }
    }
  }
  // Programs are attached by the runtime, never by libbpf's section rules.
  bpf_program *prog;
  bpf_object__for_each_program(prog, obj_) bpf_program__set_autoattach(prog, false);

  int err = bpf_object__load(obj_);
  if (err) {
    error.log = captured;
    error.message = "the kernel rejected the BPF program: " + errnoText(err);
    // Which program: libbpf says "prog 'NAME': BPF program load failed".
    auto at = captured.find("prog '");
    if (at != std::string::npos) {
      auto close = captured.find('\'', at + 6);
      std::string name = captured.substr(at + 6, close - at - 6);
      for (const auto &p : object_.spec.programs)
        if (p.name == name) {
          error.program = p.probe;
          error.message = "the kernel rejected the program for '" + p.probe + "'";
        }
    }
    if (captured.find("BEGIN PROG LOAD LOG") != std::string::npos) {
      parseVerifierLog(captured, error);
    } else {
      // No verifier log: the kernel refused before verifying (program type,
      // attach target, permissions). libbpf's line says how.
      auto failed = captured.find("BPF program load failed: ");
      if (failed != std::string::npos) {
        auto eol = captured.find('\n', failed);
        error.reason = "BPF_PROG_LOAD failed: " + captured.substr(failed + 25, eol - failed - 25);
      } else {
        error.reason = trim(captured);
      }
      for (const auto &p : object_.spec.programs)
        if (p.probe == error.program &&
            (p.kind == contract::AttachKind::Fentry || p.kind == contract::AttachKind::Fexit))
          error.message += p.viaFentry
                               ? ": this kernel has no kprobes (so it was compiled as fentry/"
                                 "fexit) and cannot load fentry/fexit programs either (BPF "
                                 "trampolines are unavailable); use a tracepoint instead"
                               : ": this kernel cannot load fentry/fexit programs (BPF "
                                 "trampolines are unavailable); use a tracepoint or kprobe "
                                 "instead";
    }
    return false;
  }
  loaded_ = true;
  return true;
}

int Loader::mapFd(const std::string &name) const {
  if (!obj_)
    return -1;
  bpf_map *m = bpf_object__find_map_by_name(obj_, name.c_str());
  return m ? bpf_map__fd(m) : -1;
}

bool Loader::attachOne(const contract::ProgramSpec &p, bpf_program *prog, std::string &error) {
  using AK = contract::AttachKind;
  bpf_link *link = nullptr;
  switch (p.kind) {
  case AK::Begin:
  case AK::End:
    return true;
  case AK::Tracepoint: {
    if (!ensureTracefs(error))
      return false;
    link = bpf_program__attach_tracepoint(prog, p.target.c_str(), p.func.c_str());
    break;
  }
  case AK::RawTracepoint:
    link = bpf_program__attach_raw_tracepoint(prog, p.func.c_str());
    break;
  case AK::Kprobe:
  case AK::Kretprobe: {
    LIBBPF_OPTS(bpf_kprobe_opts, ko, .offset = p.offset, .retprobe = p.kind == AK::Kretprobe);
    link = bpf_program__attach_kprobe_opts(prog, p.func.c_str(), &ko);
    if (!link) {
      int err = -errno;
      error = "cannot attach '" + p.probe + "': " + errnoText(err) +
              "; this kernel may have no kprobe support (CONFIG_KPROBE_EVENTS); the program "
              "was verified, use --dry-run to load without attaching";
      return false;
    }
    break;
  }
  case AK::Fentry:
  case AK::Fexit:
    link = bpf_program__attach_trace(prog);
    if (!link) {
      int err = -errno;
      error = "cannot attach '" + p.probe + "': " + errnoText(err) +
              (p.viaFentry ? "; this kernel has no kprobes, so it was compiled as " +
                                 std::string(p.kind == AK::Fentry ? "fentry" : "fexit") +
                                 ", and it cannot attach fentry/fexit programs either"
                           : "; this kernel cannot attach fentry/fexit programs") +
              " (no BPF trampoline); the program was verified, use --dry-run to load without "
              "attaching";
      return false;
    }
    break;
  case AK::Uprobe:
  case AK::Uretprobe: {
    LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = p.kind == AK::Uretprobe);
    size_t offset = p.offset;
    if (!p.hasAddress && !p.func.empty())
      uo.func_name = p.func.c_str(); // libbpf resolves the ELF symbol to a file offset
    if (p.usdtSemaphore) // the kernel counts the USDT semaphore up while attached
      uo.ref_ctr_offset = fileOffsetOf(p.target, p.usdtSemaphore);
    link = bpf_program__attach_uprobe_opts(prog, -1, p.target.c_str(), offset, &uo);
    break;
  }
  case AK::PerfEvent: {
    int ncpu = p.allCpus ? libbpf_num_possible_cpus() : 1;
    bool any = false;
    for (int cpu = 0; cpu < ncpu; ++cpu) {
      perf_event_attr attr{};
      attr.size = sizeof attr;
      attr.type = p.perfType;
      attr.config = p.perfConfig;
      if (p.freq) {
        attr.freq = 1;
        attr.sample_freq = p.period;
      } else {
        attr.sample_period = p.period;
      }
      int fd = perfEventOpen(&attr, -1, cpu);
      if (fd < 0) {
        if (errno == ENODEV) // offline CPU
          continue;
        error = "cannot open the perf event for '" + p.probe + "' on cpu " +
                std::to_string(cpu) + ": " + strerror(errno);
        return false;
      }
      bpf_link *l = bpf_program__attach_perf_event(prog, fd);
      if (!l) {
        int err = -errno;
        ::close(fd);
        error = "cannot attach '" + p.probe + "': " + errnoText(err);
        return false;
      }
      links_.push_back(l); // destroying the link closes the perf event
      any = true;
    }
    if (!any) {
      error = "no CPU accepted the perf event for '" + p.probe + "'";
      return false;
    }
    return true;
  }
  }
  if (!link) {
    int err = -errno;
    error = "cannot attach '" + p.probe + "': " + errnoText(err);
    return false;
  }
  links_.push_back(link);
  return true;
}

bool Loader::attach(std::string &error) {
  if (!loaded_) {
    error = "internal error: attach before load";
    return false;
  }
  for (const auto &p : object_.spec.programs) {
    bpf_program *prog = bpf_object__find_program_by_name(obj_, p.name.c_str());
    if (!prog) {
      error = "internal error: program '" + p.name + "' is missing from the object";
      return false;
    }
    if (!attachOne(p, prog, error))
      return false;
  }
  return true;
}

bool Loader::runOnce(contract::AttachKind kind, std::string &error) {
  for (const auto &p : object_.spec.programs) {
    if (p.kind != kind)
      continue;
    bpf_program *prog = bpf_object__find_program_by_name(obj_, p.name.c_str());
    if (!prog) {
      error = "internal error: program '" + p.name + "' is missing";
      return false;
    }
    uint64_t ctx[8] = {};
    LIBBPF_OPTS(bpf_test_run_opts, ro, .ctx_in = ctx, .ctx_size_in = sizeof ctx);
    if (bpf_prog_test_run_opts(bpf_program__fd(prog), &ro) != 0) {
      error = "cannot run " + p.probe + ": " + strerror(errno);
      return false;
    }
  }
  return true;
}

bool Loader::runBegin(std::string &error) { return runOnce(contract::AttachKind::Begin, error); }
bool Loader::runEnd(std::string &error) { return runOnce(contract::AttachKind::End, error); }

void Loader::detach() {
  for (bpf_link *l : links_)
    bpf_link__destroy(l);
  links_.clear();
}

void Loader::close() {
  detach();
  if (obj_) {
    bpf_object__close(obj_);
    obj_ = nullptr;
  }
  loaded_ = false;
}

} // namespace obs
