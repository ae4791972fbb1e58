//===- list.cpp - `obsc -l [PATTERN] [-v]` --------------------------------===//
#include "tools/obsc/backend.h"

#include "lang/sema/catalog/catalog.h"

#include <iostream>

namespace obs {

namespace {
void printArgs(std::ostream &out, const Type *rec) {
  if (!rec)
    return;
  for (const Field &f : rec->fields)
    out << "    " << (f.type ? f.type->str() : "?") << " " << f.name << "\n";
}
} // namespace

int listProbes(const Options &o, std::ostream &out) {
  TypeTable types;
  CatalogOptions co;
  if (!o.btfPath.empty())
    co.btfPath = o.btfPath;
  co.tracefsDir = o.tracefsDir;
  ProbeCatalog cat(types, co);
  std::string pat = o.listPattern.empty() ? "*" : o.listPattern;
  // PATTERN is `type:rest` or a bare name pattern matched against tracepoints.
  std::string kind = "tracepoint", rest = pat;
  size_t colon = pat.find(':');
  if (colon != std::string::npos) {
    kind = pat.substr(0, colon);
    rest = pat.substr(colon + 1);
  }
  if (kind == "t") kind = "tracepoint";
  if (kind == "k") kind = "kprobe";
  if (kind == "f" || kind == "kfunc") kind = "fentry";
  if (kind == "rt") kind = "rawtracepoint";
  size_t n = 0;
  if (kind == "tracepoint" || kind == "*") {
    std::string c = "*", e = rest;
    if (size_t c2 = rest.find(':'); c2 != std::string::npos) {
      c = rest.substr(0, c2);
      e = rest.substr(c2 + 1);
    }
    for (const TracepointName &t : cat.matchTracepoints(c, e)) {
      out << "tracepoint:" << t.category << ":" << t.event << "\n";
      ++n;
      if (o.verbose) {
        std::string err;
        printArgs(out, cat.tracepointArgs(t.category, t.event, err));
      }
    }
    if (n == 0 && !cat.tracefsError().empty())
      std::cerr << "obsc: warning: " << cat.tracefsError() << "\n";
  }
  if (kind == "kprobe" || kind == "fentry" || (kind == "*" && rest != "*")) {
    for (const std::string &f : kind == "kprobe" ? cat.matchKprobeFunctions(rest)
                                                 : cat.matchKernelFunctions(rest)) {
      out << (kind == "*" ? "kprobe" : kind) << ":" << f << "\n";
      ++n;
      if (o.verbose && kind == "fentry") {
        std::string err;
        if (auto sig = cat.kernelFunction(f, err))
          for (const FunctionParam &p : sig->params)
            out << "    " << (p.type ? p.type->str() : "?") << " " << p.name << "\n";
      }
    }
  }
  if (kind == "rawtracepoint") {
    for (const std::string &f : cat.matchRawTracepoints(rest)) {
      out << "rawtracepoint:" << f << "\n";
      ++n;
    }
  }
  if (kind == "uprobe" || kind == "u") {
    size_t c2 = rest.find(':');
    std::string bin = rest.substr(0, c2), fn = c2 == std::string::npos ? "*" : rest.substr(c2 + 1);
    std::string err;
    std::string path = cat.resolveBinary(bin, err);
    if (path.empty()) {
      std::cerr << "obsc: error: cannot find binary '" << bin << "': " << err << "\n";
      return 1;
    }
    for (const std::string &f : cat.matchUprobeFunctions(path, fn, err)) {
      out << "uprobe:" << path << ":" << f << "\n";
      ++n;
    }
  }
  if (kind == "software" || kind == "hardware" || kind == "profile" || kind == "interval") {
    out << kind << " probes take an event or a rate; see docs/spec.md\n";
  }
  return 0;
}

} // namespace obs
