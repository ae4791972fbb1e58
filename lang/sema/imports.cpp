//===- imports.cpp - modules and params -----------------------------------===//
//
// `import "detectors/forkbomb"(threshold = 100/s);` parses the module and
// splices its probes, alerts and params into the program; the overrides
// replace the module's param values; `--param [MODULE.]NAME=VALUE` then
// overrides any param. A module's maps, alerts and params are private to it:
// they are renamed with the module's name, `@forkbomb.forks`.
//
//===----------------------------------------------------------------------===//
#include "lang/sema/passes.h"

#include "lang/grammar/parser.h"
#include "lang/grammar/visitor.h"
#include "lang/sema/units.h"

#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace obs {
namespace {

/// Prefixes the maps of a module's probes and alerts with its name.
class ModuleRenamer : public Visitor<ModuleRenamer> {
public:
  explicit ModuleRenamer(std::string prefix) : prefix_(std::move(prefix)) {}
  void visitMapRef(Expr &e, MapRef &m) {
    m.name = prefix_ + m.name;
    traverse(e, m);
  }

private:
  std::string prefix_;
};

std::string moduleName(const std::string &file) {
  size_t slash = file.rfind('/');
  std::string base = slash == std::string::npos ? file : file.substr(slash + 1);
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".obs") == 0)
    base.resize(base.size() - 4);
  return base;
}

/// An override must keep the quantity of the declared default.
void checkOverride(SemaContext &ctx, const std::string &name, const Expr *decl,
                   const Expr *value) {
  auto d = evaluateConstant(ctx, decl), v = evaluateConstant(ctx, value);
  if (!v) {
    ctx.diags.report(DiagKind::not_constant, value->range, {"the value of param '" + name + "'"});
    return;
  }
  if (d && !d->isString && !v->isString && !(d->quantity == v->quantity) &&
      !(v->quantity == Quantity{}))
    ctx.diags.report(DiagKind::unit_expected, value->range,
                     {name, d->quantity.describe(), v->quantity.describe()});
}

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
    for (const std::string &d : ctx.options.moduleDirs) {
      dirs.push_back(d);
      dirs.push_back(d + "/detectors");
    }
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
  std::string name = moduleName(file);
  ctx.modules[id] = name;
  Program module;
  if (!parseSource(ctx.ast, ctx.sources, id, ctx.diags, module))
    return;
  ModuleRenamer rename(name + ".");
  for (Probe *p : module.probes)
    rename.visitProbe(*p);
  for (Alert *a : module.alerts) {
    rename.visitAlert(*a);
    a->name = name + "." + a->name;
  }
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
    checkOverride(ctx, o.name, target->value, o.value);
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
    std::string key = ctx.qualify(d->range.file, d->name);
    auto [it, fresh] = seen.emplace(key, d);
    if (!fresh) {
      ctx.diags.report(DiagKind::duplicate_param, d->range, {d->name})
          .note(it->second->range, "first declared here");
      continue;
    }
    ctx.params[key] = d->value;
  }
  // --param [MODULE.]NAME=VALUE: the value is parsed as a param's expression.
  for (const auto &[name, text] : ctx.options.params) {
    size_t dot = name.rfind('.');
    std::string bare = dot == std::string::npos ? name : name.substr(dot + 1);
    uint32_t id = ctx.sources.add("<--param " + name + ">", "param " + bare + " = " + text + ";");
    Program tmp;
    if (!parseSource(ctx.ast, ctx.sources, id, ctx.diags, tmp) || tmp.params.empty())
      continue;
    auto it = ctx.params.find(name);
    if (it == ctx.params.end()) {
      std::vector<std::string> names;
      for (auto &kv : ctx.params)
        names.push_back(kv.first);
      ctx.diags.report(DiagKind::unknown_param, tmp.params[0]->range,
                       {name, dot == std::string::npos ? "the program" : name.substr(0, dot)})
          .suggest(name, names);
      continue;
    }
    checkOverride(ctx, name, it->second, tmp.params[0]->value);
    it->second = tmp.params[0]->value;
  }
}

} // namespace obs
