//===- imports.cpp - modules and params -----------------------------------===//
//
// `import "detectors/forkbomb"(threshold = 100/s);` parses the module and
// splices its probes, alerts and params into the program; the overrides
// replace the module's param values. `--param name=value` then overrides
// any param. Maps and alerts share one namespace.
//
//===----------------------------------------------------------------------===//
#include "lang/sema/passes.h"

#include "lang/grammar/parser.h"

#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace obs {
namespace {

bool isFile(const std::string &p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string findModule(const SemaContext &ctx, const std::string &path, uint32_t fromFile) {
  std::vector<std::string> dirs;
  const std::string &from = ctx.sources.file(fromFile).name();
  size_t slash = from.rfind('/');
  if (!path.empty() && path[0] == '/')
    dirs.push_back("");
  else {
    dirs.push_back(slash == std::string::npos ? "." : from.substr(0, slash));
    for (const std::string &d : ctx.options.moduleDirs)
      dirs.push_back(d);
  }
  for (const std::string &d : dirs)
    for (const char *ext : {"", ".obs"}) {
      std::string full = (d.empty() ? "" : d + "/") + path + ext;
      if (isFile(full))
        return full;
    }
  return "";
}

void importInto(SemaContext &ctx, Program &into, Import &imp, uint32_t fromFile,
                std::set<std::string> &active, std::set<std::string> &done) {
  std::string file = findModule(ctx, imp.path, fromFile);
  if (file.empty()) {
    auto d = ctx.diags.report(DiagKind::import_not_found, imp.range, {imp.path});
    std::string where;
    for (const std::string &dir : ctx.options.moduleDirs)
      where += (where.empty() ? "" : ", ") + dir;
    if (!where.empty())
      d.note("searched next to the importing file and in: " + where);
    return;
  }
  if (active.count(file)) {
    ctx.diags.report(DiagKind::import_cycle, imp.range, {imp.path});
    return;
  }
  if (done.count(file))
    return; // imported once already: one copy of its probes
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  uint32_t id = ctx.sources.add(file, ss.str());
  Program module;
  if (!parseSource(ctx.ast, ctx.sources, id, ctx.diags, module))
    return;
  active.insert(file);
  for (Import *nested : module.imports)
    importInto(ctx, into, *nested, id, active, done);
  active.erase(file);
  done.insert(file);
  for (ParamOverride &o : imp.overrides) {
    ParamDecl *target = nullptr;
    for (ParamDecl *d : module.params)
      if (d->name == o.name)
        target = d;
    if (!target) {
      std::vector<std::string> names;
      for (ParamDecl *d : module.params)
        names.push_back(d->name);
      ctx.diags.report(DiagKind::unknown_param, o.nameRange, {o.name, imp.path})
          .suggest(o.name, names);
      continue;
    }
    target->value = o.value;
  }
  into.params.insert(into.params.end(), module.params.begin(), module.params.end());
  into.probes.insert(into.probes.end(), module.probes.begin(), module.probes.end());
  into.alerts.insert(into.alerts.end(), module.alerts.begin(), module.alerts.end());
}

} // namespace

void resolveImports(SemaContext &ctx) {
  Program &prog = ctx.ast.program;
  std::set<std::string> active, done;
  std::vector<Import *> imports = prog.imports;
  for (Import *imp : imports)
    importInto(ctx, prog, *imp, imp->range.file, active, done);
}

void collectParams(SemaContext &ctx) {
  std::map<std::string, ParamDecl *> seen;
  for (ParamDecl *d : ctx.ast.program.params) {
    auto [it, fresh] = seen.emplace(d->name, d);
    if (!fresh && it->second->range.file == d->range.file) {
      ctx.diags.report(DiagKind::duplicate_param, d->range, {d->name})
          .note(it->second->range, "first declared here");
      continue;
    }
    ctx.params[d->name] = d->value;
  }
  // --param NAME=VALUE: the value is parsed as the expression of a param.
  for (const auto &[name, text] : ctx.options.params) {
    uint32_t id = ctx.sources.add("<--param " + name + ">", "param " + name + " = " + text + ";");
    Program tmp;
    if (!parseSource(ctx.ast, ctx.sources, id, ctx.diags, tmp) || tmp.params.empty())
      continue;
    if (!ctx.params.count(name)) {
      std::vector<std::string> names;
      for (auto &kv : ctx.params)
        names.push_back(kv.first);
      ctx.diags.report(DiagKind::unknown_param, tmp.params[0]->range, {name, "the program"})
          .suggest(name, names);
      continue;
    }
    ctx.params[name] = tmp.params[0]->value;
  }
}

} // namespace obs
