//===- loader.h - load, attach and detach a compiled kernel half ----------===//
//
// Opens the in-memory ELF with libbpf, loads every program (capturing the
// verifier's log and mapping a rejection back to the script line through
// BTF line info), attaches each by its probe kind, runs BEGIN/END once with
// BPF_PROG_TEST_RUN, and detaches everything when destroyed: no program,
// link or perf event outlives the Loader.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"

#include <memory>
#include <string>
#include <vector>

struct bpf_object;
struct bpf_program;
struct bpf_link;

namespace obs {

/// Why the kernel (or libbpf) refused a program.
struct LoadError {
  std::string program;     ///< the probe as written ("tracepoint:syscalls:...")
  std::string message;     ///< one line: what failed, for the user
  std::string reason;      ///< the verifier's reason, e.g. "R0 invalid mem access ..."
  std::string instruction; ///< the failing instruction, "12: (61) r1 = *(u32 *)(r0 +0)"
  std::string sourceLine;  ///< the script line from BTF line info, when present
  std::string location;    ///< "file:line" from BTF line info, when present
  std::string log;         ///< the full verifier / libbpf log
  /// `message`, then the location and source line, the instruction and reason.
  std::string render() const;
};

/// Mounts tracefs at /sys/kernel/tracing when neither it nor the debugfs
/// copy is there and we are root. False with `error` when it cannot.
bool ensureTracefs(std::string &error);

class Loader {
public:
  explicit Loader(contract::BpfObject object);
  ~Loader();
  Loader(const Loader &) = delete;
  Loader &operator=(const Loader &) = delete;

  /// bpf_object__open_mem, then BPF_PROG_LOAD of every program and the maps.
  bool load(LoadError &error);
  /// Attaches every program but BEGIN and END. Stops at the first failure
  /// (and leaves what was attached for detach()).
  bool attach(std::string &error);
  /// Runs the BEGIN (or END) programs once; true when there are none.
  bool runBegin(std::string &error);
  bool runEnd(std::string &error);
  /// Destroys every link and perf event; idempotent.
  void detach();
  /// detach() and close the object (programs and maps); idempotent.
  void close();

  const contract::ObjectSpec &spec() const { return object_.spec; }
  const contract::BpfObject &object() const { return object_; }
  /// A map's fd by its BPF name, or -1.
  int mapFd(const std::string &bpfName) const;
  int eventsFd() const { return mapFd(contract::kEventsMap); }
  int lostFd() const { return mapFd(contract::kLostMap); }
  /// Number of attached links (perf events count one per CPU).
  size_t attachedCount() const { return links_.size(); }
  bpf_object *raw() { return obj_; }

private:
  bool runOnce(contract::AttachKind kind, std::string &error);
  bool attachOne(const contract::ProgramSpec &p, bpf_program *prog, std::string &error);

  contract::BpfObject object_;
  bpf_object *obj_ = nullptr;
  bool loaded_ = false;
  std::vector<bpf_link *> links_;
};

} // namespace obs
