//===- explain.cpp - `obsc --explain`: the funnel, probe by probe ----------===//
//
// The split between kernel and user space is the compiler's: this page
// reads it back from the checked program (what each statement does) and the
// ObjectSpec (how each map is laid out), so what it prints is what runs.
//
//===----------------------------------------------------------------------===//
#include "tools/obsc/explain.h"

#include "lang/grammar/visitor.h"

#include <map>
#include <sstream>

namespace obs {
namespace {

std::string duration(uint64_t ns) {
  if (ns % 1000000000ull == 0) return std::to_string(ns / 1000000000ull) + "s";
  if (ns % 1000000ull == 0) return std::to_string(ns / 1000000ull) + "ms";
  if (ns % 1000ull == 0) return std::to_string(ns / 1000ull) + "us";
  return std::to_string(ns) + "ns";
}

std::string text(const SemaContext &ctx, SourceRange r) {
  if (r.file >= ctx.sources.size())
    return "";
  const std::string &t = ctx.sources.file(r.file).text();
  if (r.end > t.size() || r.begin >= r.end)
    return "";
  std::string s = t.substr(r.begin, r.end - r.begin);
  for (char &c : s)
    if (c == '\n' || c == '\t')
      c = ' ';
  return s.size() > 70 ? s.substr(0, 67) + "..." : s;
}

const char *mapKind(const contract::MapSpec &m) {
  if (m.isArray)
    return m.perCpu ? "per-CPU array, one slot, updated in place" : "array, one slot";
  return m.perCpu ? "per-CPU hash" : "hash";
}

/// Collects what one probe body does, statement by statement.
class BodyExplainer : public Visitor<BodyExplainer> {
public:
  BodyExplainer(const SemaContext &ctx, const std::map<std::string, const contract::MapSpec *> &maps,
                const contract::ObjectSpec &spec)
      : ctx_(ctx), maps_(maps), spec_(spec) {}

  void visitAssign(Stmt &s, Assign &a) {
    if (auto *m = a.target->as<MapRef>()) {
      std::string name = "@" + m->name;
      auto it = maps_.find(name);
      std::ostringstream line;
      line << text(ctx_, s.range) << "\n        ";
      if (it == maps_.end()) {
        line << "map " << name;
      } else {
        const contract::MapSpec &ms = *it->second;
        if (ms.windowed) {
          line << name << ": " << mapKind(ms) << ", partial state (" << ms.valueSize
               << " B) per key per slot of " << duration(ms.everyNs) << ", " << ms.windowSlots
               << " slots";
          windowed_[name] = &ms;
          if (!ms.exemplarMap.empty())
            line << "\n        and an exemplar per key per slot (shared by the CPUs): "
                 << (ms.exemplarThreshold >= 0
                         ? "the event that takes the slot's count past " +
                               std::to_string(ms.exemplarThreshold)
                         : std::string("the latest event"))
                 << (ms.exemplarStacks ? ", with its stacks"
                     : ms.exemplarThreshold >= 0 ? ", stacks only for that one"
                                                 : ", no stacks");
        } else {
          line << name << ": " << mapKind(ms) << ", " << ms.valueSize << " B value"
               << (ms.key.empty() ? "" : ", " + std::to_string(ms.keySize) + " B key");
          if (!ms.combineMap.empty())
            line << "\n        behind a per-CPU write-combining cache of "
                 << contract::kCombineSlots
                 << " keys (a repeated key adds in place; the hash is updated when another "
                    "key takes its slot)";

        }
      }
      kernel_.push_back(line.str());
    } else {
      kernel_.push_back(text(ctx_, s.range) + "\n        a scratch variable on the BPF stack");
    }
    traverse(s, a);
  }
  void visitCall(Expr &e, Call &c) {
    if (c.name == "printf" || c.name == "time" || c.name == "cat" || c.name == "system") {
      uint32_t size = 8;
      if (!c.args.empty())
        if (auto *f = c.args[0]->as<StringLit>())
          for (const contract::PrintfSpec &p : spec_.formats)
            if (p.format == f->value)
              size = p.recordSize;
      perEvent_.push_back(c.name + "(): one ring-buffer record of " + std::to_string(size) +
                          " B, formatted in user space");
    } else if (c.name == "print" || c.name == "clear" || c.name == "zero" || c.name == "exit") {
      perEvent_.push_back(c.name + "(): an 8 B ring-buffer record; user space " +
                          (c.name == "exit" ? std::string("stops") : "acts on the map"));
    }
    traverse(e, c);
  }

  std::vector<std::string> kernel_, perEvent_;
  std::map<std::string, const contract::MapSpec *> windowed_;

private:
  const SemaContext &ctx_;
  const std::map<std::string, const contract::MapSpec *> &maps_;
  const contract::ObjectSpec &spec_;
};

} // namespace

void explainProgram(std::ostream &os, const SemaContext &ctx, const contract::ObjectSpec &spec) {
  std::map<std::string, const contract::MapSpec *> maps;
  for (const contract::MapSpec &m : spec.maps)
    maps[m.name] = &m;
  std::map<std::string, const contract::MapSpec *> windowed;
  for (Probe *p : ctx.ast.program.probes) {
    os << "probe";
    size_t programs = 0;
    for (AttachPoint *ap : p->points) {
      os << " " << ap->text;
      programs += ap->expansions.size();
    }
    os << "\n  " << programs << " BPF program" << (programs == 1 ? "" : "s") << "\n";
    BodyExplainer ex(ctx, maps, spec);
    ex.visit(p->body);
    os << "  in the kernel, per event:\n";
    if (p->predicate)
      os << "    filter /" << text(ctx, p->predicate->range) << "/: events that fail it stop here\n";
    for (const std::string &k : ex.kernel_)
      os << "    " << k << "\n";
    if (ex.kernel_.empty() && !p->predicate)
      os << "    nothing but what crosses below\n";
    os << "  crosses to user space per event:\n";
    if (ex.perEvent_.empty())
      os << "    nothing\n";
    for (const std::string &x : ex.perEvent_)
      os << "    " << x << "\n";
    windowed.insert(ex.windowed_.begin(), ex.windowed_.end());
  }
  if (!windowed.empty()) {
    os << "per window, in user space:\n";
    for (auto &[name, ms] : windowed) {
      os << "  " << name << ": every " << duration(ms->everyNs) << ", read the closing slot ("
         << ms->valueSize << " B per key per CPU), merge CPUs and the last "
         << ms->overNs / ms->everyNs << " slot" << (ms->overNs / ms->everyNs == 1 ? "" : "s")
         << ", compute " << ms->function << "() over " << duration(ms->overNs)
         << ", reset the slot\n";
      if (!ms->exemplarMap.empty())
        os << "    with one exemplar per key (comm, pid, ppid, cgroup, stacks) from "
           << ms->exemplarMap << "\n";
    }
  }
  for (const AlertInfo &a : ctx.alerts)
    os << "alert " << a.name << ": evaluated in user space (JIT-compiled) when " << a.map
       << "'s window closes, per key" << (a.forNs ? ", for " + duration(a.forNs) : "") << "\n";
  std::map<std::string, bool> exitMaps;
  for (const contract::MapSpec &m : spec.maps)
    if (!m.windowed)
      exitMaps[m.name] = true;
  if (!exitMaps.empty()) {
    os << "at exit: read";
    for (auto &[n, _] : exitMaps)
      os << " " << n;
    os << " (merging CPUs) and print\n";
  }
}

} // namespace obs
