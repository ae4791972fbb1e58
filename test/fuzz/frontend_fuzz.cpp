//===- frontend_fuzz.cpp - libFuzzer target for the whole front end -------===//
//
// Arbitrary bytes through dumpTokens, parseSource and dumpAST, then, when the
// parse succeeds, every semantic pass against the hermetic type inputs (the
// small BTF and the fake tracefs of test/lit/Inputs). The front end must
// report, never crash, leak or hit undefined behaviour.
//
//===----------------------------------------------------------------------===//
#include "lang/grammar/parser.h"
#include "lang/grammar/visitor.h"
#include "lang/sema/catalog/catalog.h"
#include "lang/sema/sema.h"

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <streambuf>

namespace {

/// A stream that drops everything written to it.
class NullBuffer : public std::streambuf {
protected:
  int overflow(int c) override { return c; }
  std::streamsize xsputn(const char *, std::streamsize n) override { return n; }
};

/// Every node must carry a range inside the file, begin <= end.
class RangeCheck : public obs::Visitor<RangeCheck> {
public:
  explicit RangeCheck(uint32_t size) : size_(size) {}
  void check(obs::SourceRange r) {
    if (r.begin > r.end || r.end > size_)
      __builtin_trap();
  }
  // Every expression and statement passes through dispatch.
  template <class N> void dispatch(obs::Expr &e, N &n) {
    check(e.range);
    Visitor::dispatch(e, n);
  }
  template <class N> void dispatch(obs::Stmt &s, N &n) {
    check(s.range);
    Visitor::dispatch(s, n);
  }
  void visitBlock(obs::Block &b) {
    check(b.range);
    Visitor::visitBlock(b);
  }
  void visitProbe(obs::Probe &p) {
    check(p.range);
    Visitor::visitProbe(p);
  }
  void visitAttachPoint(obs::AttachPoint &ap) { check(ap.range); }
  void visitAlert(obs::Alert &a) {
    check(a.range);
    check(a.nameRange);
    Visitor::visitAlert(a);
  }
  void visitImport(obs::Import &i) {
    check(i.range);
    Visitor::visitImport(i);
  }
  void visitParamDecl(obs::ParamDecl &d) {
    check(d.range);
    Visitor::visitParamDecl(d);
  }

private:
  uint32_t size_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  NullBuffer nb;
  std::ostream null(&nb);
  obs::SourceManager sm;
  uint32_t id = sm.add("fuzz.obs",
                       std::string(reinterpret_cast<const char *>(data), size));
  obs::Diagnostics tokDiags;
  obs::dumpTokens(null, sm, id, tokDiags);

  obs::ASTContext ctx;
  obs::Diagnostics diags;
  bool ok = obs::parseSource(ctx, sm, id, diags, ctx.program);
  // A successful parse reports nothing; a failed one reports something.
  if (ok == diags.hasErrors())
    __builtin_trap();
  RangeCheck(uint32_t(size)).visit(ctx.program);
  obs::dumpAST(null, sm, ctx.program);
  diags.print(null, sm);
  if (!ok)
    return 0;
  obs::TypeTable types;
  obs::CatalogOptions co;
  co.btfPath = OBS_FUZZ_BTF;
  co.tracefsDir = OBS_FUZZ_TRACEFS;
  co.kallsymsPath = "/dev/null";
  obs::ProbeCatalog catalog(types, co);
  obs::SemaOptions so;
  so.positional = {"10ms", "comm"};
  obs::SemaContext sema{ctx, sm, diags, types, catalog, so, {}, {}, {}, {}};
  bool checked = obs::runSema(sema);
  if (checked == diags.hasErrors())
    __builtin_trap();
  if (checked)
    obs::dumpTypes(null, sema);
  diags.print(null, sm);
  return 0;
}
