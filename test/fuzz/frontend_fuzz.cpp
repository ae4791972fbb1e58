//===- frontend_fuzz.cpp - libFuzzer target for the lexer and parser ------===//
//
// Arbitrary bytes through dumpTokens, parseSource and dumpAST. The front end
// must report, never crash, leak or hit undefined behaviour.
//
//===----------------------------------------------------------------------===//
#include "lang/grammar/parser.h"

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
  obs::dumpAST(null, sm, ctx.program);
  diags.print(null, sm);
  return 0;
}
