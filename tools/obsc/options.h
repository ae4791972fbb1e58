//===- options.h - the obsc command line ----------------------------------===//
#pragma once

#include <map>
#include <optional>
#include <cstdint>
#include <string>
#include <vector>

namespace obs {

enum class Command { Run, Check, List, Test, Record, Help, Version };

/// Everything the command line says, parsed but not yet acted on.
struct Options {
  Command command = Command::Run;
  std::string program;       ///< -e PROG
  std::string file;          ///< FILE
  std::vector<std::string> positional; ///< $1 ...
  std::vector<std::string> dumps;      ///< --dump=tokens,ast,types,ir,bpf
  std::string btfPath;       ///< --btf
  std::string tracefsDir;    ///< --tracefs
  std::string kallsymsPath;  ///< --kallsyms
  std::string output;        ///< -o FILE
  std::string emitLLVM;      ///< --emit-llvm FILE
  std::string format = "text"; ///< -f text|json
  std::string listPattern;   ///< -l [PATTERN]
  std::string command_;      ///< -c CMD
  std::string events;        ///< --events FILE (obsc test), -o EVENTS (obsc record)
  std::string stream;        ///< --stream SPEC (obsc test)
  std::map<std::string, std::string> params; ///< --param name=value
  uint32_t ringbufBytes = 0; ///< --ringbuf-size (0: the default, 1 MB)
  uint32_t mapEntries = 0;   ///< --map-size (0: the default, 10240 keys)
  int pid = 0;               ///< -p PID
  bool dryRun = false;
  bool explain = false;
  bool unsafe = false;
  std::string kprobes = "auto"; ///< --kprobes=auto|kprobe|fentry
  int verbose = 0;
};

/// Parses argv; on a usage error returns nullopt and fills `error`.
std::optional<Options> parseOptions(int argc, char **argv, std::string &error);
void printUsage();

} // namespace obs
