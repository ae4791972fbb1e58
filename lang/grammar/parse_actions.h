//===- parse_actions.h - helpers behind the one-line Bison actions --------===//
//
// Internal to lang/grammar. Anything longer than one line in parser.y lives
// here, so the grammar stays readable.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/grammar/ast.h"

#include <string>
#include <vector>

namespace obs {

struct ParseState;

/// A binary node.
Expr *binary(ParseState &ps, SourceRange r, BinaryOp op, Expr *l, Expr *rr);
/// `$t.0`: a numeric field of a tuple.
Expr *tupleField(ParseState &ps, SourceRange r, Expr *base, Expr *index,
                 SourceRange indexRange);
/// An attach point from its token, split by parseAttachPoint().
AttachPoint *makeAttachPoint(ParseState &ps, SourceRange r,
                             const std::string &text);
/// `import "path" [(overrides)];`
Import *makeImport(ParseState &ps, SourceRange r, Expr *path,
                   std::vector<ParamOverride> *overrides);
/// Reports bad_window when `e` is a literal that is not a duration; params
/// and other names are left for sema. Returns `e`.
Expr *checkDuration(ParseState &ps, Expr *e, const char *what);
/// Append a finished top-level item to the program, unless it is nested
/// too deeply for the recursive stages after this one (then it is reported).
void addProbe(ParseState &ps, Probe *p);
void addAlert(ParseState &ps, Alert *a);
void addImport(ParseState &ps, Import *i);
void addParam(ParseState &ps, ParamDecl *d);
/// Renders a Bison syntax error as one syntax_error diagnostic.
void reportSyntaxError(ParseState &ps, SourceRange at, const char *unexpected,
                       bool atEnd, const std::vector<const char *> &expected,
                       bool wantsSemi, bool wantsExpr);
/// Bison's own errors (stack exhausted).
void reportParserLimit(ParseState &ps, SourceRange at, const char *msg);

} // namespace obs
