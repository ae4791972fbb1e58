//===- lexer.h - the re2c lexer (internal to lang/grammar) ----------------===//
//
// The lexer hands Bison one token at a time. It has two modes: attach points
// are recognised only where a top-level item starts (or after a comma that
// follows one); everywhere else words are identifiers and keywords.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/grammar/ast.h"
#include "lang/support/diagnostics.h"
#include "parser.hpp"

#include <string>
#include <string_view>

namespace obs {

class Lexer {
public:
  Lexer(ASTContext &ctx, Diagnostics &diags, const SourceFile &file,
        uint32_t fileId);

  /// The next token kind (0 at the end), its value and its range.
  int next(OBSYYSTYPE *value, SourceRange *range);
  /// Skips tokens until the brace depth is back at the top level; used by
  /// top-level error recovery so a broken probe is dropped as a whole.
  void skipToTopLevel();
  /// The kind of the token before the last one returned: when Bison reports
  /// an error, the last token is the lookahead and this is the one before.
  int beforeLookahead() const { return prevPrev_; }
  /// The end offset of that token.
  uint32_t endBeforeLookahead() const {
    return prev_ == 0 ? prevEnd_ : prevPrevEnd_;
  }
  /// True when a lexical error was reported while scanning the lookahead or
  /// the token before it: a syntax error there is a consequence, not news.
  bool recentLexError() const {
    return lexErrorAt_ != 0 && lexErrorAt_ + 1 >= count_;
  }
  /// Errors of one file after which the lexer reports "too many errors" and
  /// ends the input, so that junk cannot flood the output.
  static constexpr unsigned kErrorLimit = 100;
  /// The source text of a range of this file.
  std::string_view textOf(SourceRange r) const {
    return std::string_view(reinterpret_cast<const char *>(begin_) + r.begin,
                            r.end - r.begin);
  }
  /// The brace depth after the last token.
  int depth() const { return depth_; }

private:
  int scan(OBSYYSTYPE *value);
  bool tooManyErrors();
  int lexAttach(OBSYYSTYPE *value);
  int lexString(OBSYYSTYPE *value);
  int lexNumber(OBSYYSTYPE *value);
  int lexWord(OBSYYSTYPE *value);
  int lexFieldIndex(OBSYYSTYPE *value);
  bool braceFollows(const unsigned char *p) const;
  bool attachAllowed() const;
  SourceRange here(const unsigned char *b, const unsigned char *e) const;
  std::string text(const unsigned char *b, const unsigned char *e) const;

  ASTContext &ctx_;
  Diagnostics &diags_;
  uint32_t fileId_;
  const unsigned char *begin_, *cur_, *lim_, *tok_, *mar_ = nullptr,
                                                    *ctxm_ = nullptr;
  int depth_ = 0;
  int prev_ = 0, prevPrev_ = 0;
  uint32_t prevEnd_ = 0, prevPrevEnd_ = 0;
  uint64_t count_ = 0, lexErrorAt_ = 0;
  unsigned startErrors_ = 0;
  bool gaveUp_ = false;
};

/// What the Bison actions see through %parse-param.
struct ParseState {
  ASTContext &ctx;
  Diagnostics &diags;
  Program &into;
  Lexer &lex;
  uint32_t fileId;
};

/// A printable name of a token kind, for --dump=tokens: "IDENT", "'{'" ...
const char *tokenKindName(int kind);

} // namespace obs
