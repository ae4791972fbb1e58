//===- parser.h - the grammar stage: source text to syntax tree -----------===//
//
// The public entry points of lang/grammar. Everything is reported into a
// Diagnostics; no input, however broken, aborts or crashes the stage.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/grammar/ast.h"
#include "lang/support/diagnostics.h"
#include "lang/support/source.h"

#include <cstdint>
#include <ostream>

namespace obs {

/// Lexes and parses file `fileId` of `sm`, appending its top-level items to
/// `into` (nodes are owned by `ctx`). Returns false when any error was
/// reported while parsing this file.
bool parseSource(ASTContext &ctx, const SourceManager &sm, uint32_t fileId,
                 Diagnostics &diags, Program &into);

/// Prints the tokens of a file, one a line: `LINE:COL KIND 'text'`.
/// Lexical errors are reported into `diags`.
void dumpTokens(std::ostream &os, const SourceManager &sm, uint32_t fileId,
                Diagnostics &diags);

/// Prints `p` as an indented tree, each node with its `<line:col>`.
void dumpAST(std::ostream &os, const SourceManager &sm, const Program &p);

/// Splits `ap.text` into kind, target, provider, func, value, offset and
/// address (see AttachPoint in ast.h), resolving aliases. Reports
/// unknown_probe_type or bad_attach_point and returns false on errors.
bool parseAttachPoint(AttachPoint &ap, Diagnostics &diags);

} // namespace obs
