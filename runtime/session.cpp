//===- session.cpp - one run of a compiled kernel half --------------------===//

#include "runtime/session.h"
#include "runtime/ringbuf.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace obs {

namespace {
volatile sig_atomic_t gStopRequested = 0;
void onStopSignal(int) { gStopRequested = 1; }

/// SIGINT/SIGTERM handlers without SA_RESTART (so poll returns), restored
/// on scope exit.
struct StopSignals {
  struct sigaction oldInt {}, oldTerm {};
  StopSignals() {
    gStopRequested = 0;
    struct sigaction sa {};
    sa.sa_handler = onStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &oldInt);
    sigaction(SIGTERM, &sa, &oldTerm);
  }
  ~StopSignals() {
    sigaction(SIGINT, &oldInt, nullptr);
    sigaction(SIGTERM, &oldTerm, nullptr);
  }
};

/// A child forked before attaching and released after, so that the probes
/// see the command from its first instruction.
struct Command {
  pid_t pid = -1;
  int release = -1; // write end: closing it lets the child exec
  int status = -1;

  bool start(const std::vector<std::string> &argv, std::string &error) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      error = std::string("pipe: ") + strerror(errno);
      return false;
    }
    pid = fork();
    if (pid < 0) {
      error = std::string("fork: ") + strerror(errno);
      return false;
    }
    if (pid == 0) {
      ::close(fds[1]);
      char c;
      while (read(fds[0], &c, 1) < 0 && errno == EINTR) {
      }
      std::vector<char *> args;
      for (const std::string &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      fprintf(stderr, "obsc: cannot run '%s': %s\n", args[0], strerror(errno));
      _exit(127);
    }
    ::close(fds[0]);
    release = fds[1];
    return true;
  }
  void go() {
    if (release >= 0) {
      ::close(release);
      release = -1;
    }
  }
  bool exited() {
    if (pid < 0)
      return false;
    if (status >= 0)
      return true;
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      status = st;
      return true;
    }
    return false;
  }
  ~Command() {
    if (pid > 0 && status < 0) {
      go();
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};
uint64_t monotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}
} // namespace

namespace {
/// obs_exit[0]: 0 until exit(code) ran, then 0x100 | code.
uint64_t exitFlag(const Loader &loader) {
  int fd = loader.mapFd(contract::kExitMap);
  uint32_t zero = 0;
  uint64_t flag = 0;
  if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &flag) != 0)
    return 0;
  return flag;
}
} // namespace

RunResult runSession(contract::BpfObject object, const RunOptions &opt, RunHooks hooks) {
  RunResult r;
  Loader loader(std::move(object));
  if (!loader.load(r.loadError)) {
    r.loadFailed = true;
    r.exitCode = 1;
    return r;
  }
  if (opt.dryRun)
    return r;
  const contract::ObjectSpec &spec = loader.spec();
  StopSignals signals;
  bool exited = false;
  // After exit(): records the probes sent after the Exit record (or that
  // wait behind it) are dropped, as bpftrace stops at exit(); END's are not.
  bool discarding = false;
  std::string err;

  auto handler = [&](const contract::EventHeader &h, const uint8_t *data, size_t size) {
    using EK = contract::EventKind;
    if (discarding && EK(h.kind) != EK::Record && EK(h.kind) != EK::Pid)
      return true;
    switch (EK(h.kind)) {
    case EK::Printf:
      if (h.id < spec.formats.size() && hooks.printf)
        hooks.printf(spec.formats[h.id], data, size);
      break;
    case EK::Record:
      if (hooks.record)
        hooks.record(data, size);
      break;
    case EK::Cat:
    case EK::System:
      if (h.id < spec.formats.size() && hooks.action)
        hooks.action(EK(h.kind), spec.formats[h.id], data, size);
      break;
    case EK::Pid:
      if (hooks.newPid)
        hooks.newPid(h.id);
      break;
    case EK::Exit:
      exited = true;
      return false;
    case EK::Join:
      if (h.id < spec.formats.size() && hooks.text &&
          size >= 8 + contract::kJoinArgs * contract::kJoinArgSize) {
        std::string line;
        for (uint32_t i = 0; i < contract::kJoinArgs; ++i) {
          const char *s = reinterpret_cast<const char *>(data + 8 + i * contract::kJoinArgSize);
          size_t n = strnlen(s, contract::kJoinArgSize);
          if (!n)
            break;
          if (i)
            line += spec.formats[h.id].format;
          line.append(s, n);
        }
        hooks.text(line + "\n");
      }
      break;
    case EK::Time:
      if (h.id < spec.formats.size() && hooks.text) {
        time_t now = time(nullptr);
        tm local;
        localtime_r(&now, &local);
        char buf[256];
        size_t n = strftime(buf, sizeof buf, spec.formats[h.id].format.c_str(), &local);
        hooks.text(std::string(buf, n));
      }
      break;
    case EK::Print:
    case EK::Clear:
    case EK::Zero: {
      if (h.id >= spec.maps.size())
        break;
      const contract::MapSpec &m = spec.maps[h.id];
      int fd = loader.mapFd(m.bpfName);
      int wc = m.combineMap.empty() ? -1 : loader.mapFd(m.combineMap);
      std::string e;
      if (EK(h.kind) == EK::Print) {
        MapDump d;
        if (readMap(fd, m, d, e, loader.mapFd(contract::kStacksMap), &spec, wc) && hooks.printMap)
          hooks.printMap(d);
      } else if (EK(h.kind) == EK::Clear) {
        clearMap(fd, m, e, wc);
      } else {
        zeroMap(fd, m, e, wc);
      }
      break;
    }
    }
    return true;
  };

  EventStream events;
  if (!events.open(loader.eventsFd(), loader.lostFd(), handler, err)) {
    r.error = err;
    r.exitCode = 1;
    return r;
  }
  Command cmd;
  if (!opt.command.empty() && !cmd.start(opt.command, err)) {
    r.error = err;
    r.exitCode = 1;
    return r;
  }
  if (hooks.opened)
    hooks.opened(loader);
  if (hooks.loaded)
    hooks.loaded();
  if (!loader.runBegin(err)) {
    r.error = err;
    r.exitCode = 1;
    return r;
  }
  events.drain();
  if (!exited) {
    if (!loader.attach(err)) {
      r.error = err;
      r.exitCode = 1;
      return r;
    }
    if (hooks.attached)
      hooks.attached(loader.attachedCount());
    cmd.go();
    auto start = std::chrono::steady_clock::now();
    uint64_t lastTick = 0;
    // The tick runs at least every 100 ms: the poll waits no longer.
    int pollMs = hooks.tick ? std::min(opt.pollMs, 100) : opt.pollMs;
    while (!exited && !gStopRequested) {
      int n = events.poll(pollMs);
      uint64_t now = monotonicNs();
      if (now - lastTick >= 20000000ull) {
        lastTick = now;
        if (hooks.tick)
          hooks.tick(loader, now);
        // exit() whose record the full ring buffer could not take.
        if (exitFlag(loader))
          exited = true;
      }
      if (n < 0 && n != -EINTR) {
        r.error = std::string("reading the ring buffer: ") + strerror(-n);
        r.exitCode = 1;
        break;
      }
      if (cmd.exited())
        break;
      if (opt.durationMs > 0 &&
          std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(opt.durationMs))
        break;
    }
  }
  // Detach first: under a flood, draining while the probes still fire
  // could go on for as long as they do.
  loader.detach();
  if (uint64_t flag = exitFlag(loader)) // exit(code): the status
    r.exitStatus = int(flag & 0xff);
  discarding = exited;
  events.drain();
  discarding = false;
  if (!loader.runEnd(err) && r.error.empty())
    r.error = err;
  events.drain();
  if (hooks.tick && !r.loadFailed)
    hooks.tick(loader, monotonicNs());
  if (hooks.exiting)
    hooks.exiting();
  if (opt.printMapsAtExit && hooks.printMap) {
    std::string e;
    for (const MapDump &d : readAllMaps(loader, e))
      hooks.printMap(d);
    if (!e.empty() && r.error.empty())
      r.error = e;
  }
  if (hooks.atExit)
    hooks.atExit(loader);
  r.events = events.received();
  r.lost = events.lost();
  if (r.lost && hooks.lost)
    hooks.lost(r.lost);
  if (!r.loadFailed) {
    int fullFd = loader.mapFd(contract::kFullMap);
    for (uint32_t i = 0; fullFd >= 0 && i < spec.maps.size(); ++i)
      if (uint64_t n = readCounter(fullFd, i)) {
        r.mapFull += n;
        if (hooks.mapFull)
          hooks.mapFull(spec.maps[i], n);
      }
  }
  if (cmd.pid > 0) {
    cmd.exited();
    r.commandStatus = cmd.status;
  }
  events.close();
  loader.close();
  return r;
}

} // namespace obs
