//===- parse.cpp - entry points of the grammar stage and action helpers ---===//
//
// parseSource() runs the Bison parser over one file; dumpTokens() runs the
// lexer alone. The helpers behind parser.y's actions and the rendering of
// syntax errors ("unexpected '}'", "expected ';' after expression") are here.
//
//===----------------------------------------------------------------------===//
#include "lang/grammar/lexer.h"
#include "lang/grammar/parse_actions.h"
#include "lang/grammar/parser.h"

#include <cstring>
#include <string>
#include <type_traits>

namespace obs {

//===-- Entry points ------------------------------------------------------===//

bool parseSource(ASTContext &ctx, const SourceManager &sm, uint32_t fileId,
                 Diagnostics &diags, Program &into) {
  unsigned before = diags.errorCount();
  const SourceFile &file = sm.file(fileId);
  if (file.text().size() >= UINT32_MAX) {
    diags.report(DiagKind::syntax_error, SourceRange{fileId, 0, 0},
                 {"the file is too large (4 GB or more)"});
    return false;
  }
  if (into.range.end == 0)
    into.range = SourceRange{fileId, 0, uint32_t(file.text().size())};
  Lexer lex(ctx, diags, file, fileId);
  ParseState ps{ctx, diags, into, lex, fileId};
  int rc = runParser(ps);
  return rc == 0 && diags.errorCount() == before;
}

void dumpTokens(std::ostream &os, const SourceManager &sm, uint32_t fileId,
                Diagnostics &diags) {
  const SourceFile &file = sm.file(fileId);
  if (file.text().size() >= UINT32_MAX)
    return;
  ASTContext scratch;
  Lexer lex(scratch, diags, file, fileId);
  OBSYYSTYPE v;
  SourceRange r;
  for (;;) {
    int t = lex.next(&v, &r);
    LineCol lc = file.lineCol(r.begin);
    os << lc.line << ":" << lc.col << " " << (t ? tokenKindName(t) : "EOF")
       << " '" << file.text().substr(r.begin, r.end - r.begin) << "'\n";
    if (t == 0)
      break;
  }
}

const char *tokenKindName(int kind) {
  switch (kind) {
  case IDENT: return "IDENT";
  case ATTACH: return "ATTACH";
  case VAR: return "VAR";
  case MAP: return "MAP";
  case INTTYPE: return "INTTYPE";
  case INCLUDE: return "INCLUDE";
  case INT: return "INT";
  case FLOAT: return "FLOAT";
  case QUANTITY: return "QUANTITY";
  case STRING: return "STRING";
  case POSITIONAL: return "POSITIONAL";
  case POSCOUNT: return "POSCOUNT";
  case ENDPRED: return "ENDPRED";
  case IF: return "IF";
  case ELSE: return "ELSE";
  case UNROLL: return "UNROLL";
  case WHILE: return "WHILE";
  case RETURN: return "RETURN";
  case BREAK: return "BREAK";
  case CONTINUE: return "CONTINUE";
  case SIZEOF: return "SIZEOF";
  case OVER: return "OVER";
  case EVERY: return "EVERY";
  case ALERT: return "ALERT";
  case WHEN: return "WHEN";
  case FOR: return "FOR";
  case COOLDOWN: return "COOLDOWN";
  case IMPORT: return "IMPORT";
  case PARAM: return "PARAM";
  case STRUCT: return "STRUCT";
  case UNION: return "UNION";
  case ENUM: return "ENUM";
  case OROR: return "OROR";
  case ANDAND: return "ANDAND";
  case EQ: return "EQ";
  case NE: return "NE";
  case LE: return "LE";
  case GE: return "GE";
  case SHL: return "SHL";
  case SHR: return "SHR";
  case INCR: return "INCR";
  case DECR: return "DECR";
  case ARROW: return "ARROW";
  case COMPOUND: return "COMPOUND";
  }
  static char singles[128][4];
  if (kind > 0 && kind < 128) {
    char *s = singles[kind];
    s[0] = '\'', s[1] = char(kind), s[2] = '\'', s[3] = 0;
    return s;
  }
  return "?";
}

//===-- Action helpers ----------------------------------------------------===//

Expr *binary(ParseState &ps, SourceRange r, BinaryOp op, Expr *l, Expr *rr) {
  return ps.ctx.expr(r, Binary{op, l, rr});
}

Expr *tupleField(ParseState &ps, SourceRange r, Expr *base, Expr *index,
                 SourceRange indexRange) {
  const IntegerLit *lit = index->as<IntegerLit>();
  std::string name = lit ? std::to_string(lit->value) : "0";
  return ps.ctx.expr(r, FieldAccess{base, name, indexRange, false});
}

AttachPoint *makeAttachPoint(ParseState &ps, SourceRange r,
                             const std::string &text) {
  AttachPoint *ap = ps.ctx.make<AttachPoint>();
  ap->range = r;
  ap->text = text;
  parseAttachPoint(*ap, ps.diags);
  return ap;
}

Import *makeImport(ParseState &ps, SourceRange r, Expr *path,
                   std::vector<ParamOverride> *overrides) {
  Import *imp = ps.ctx.make<Import>();
  imp->range = r;
  if (const StringLit *s = path->as<StringLit>())
    imp->path = s->value;
  if (overrides)
    imp->overrides = std::move(*overrides);
  return imp;
}

Expr *checkDuration(ParseState &ps, Expr *e, const char *what) {
  bool bad = e->is<IntegerLit>() || e->is<StringLit>() || e->is<Tuple>();
  if (const QuantityLit *q = e->as<QuantityLit>())
    bad = q->unit != Unit::Duration;
  if (bad)
    ps.diags.report(DiagKind::bad_window, e->range, {what});
  return e;
}

namespace {

/// Deeper trees are refused: later stages walk the tree recursively, and a
/// left-recursive chain (a+a+a..., x.a.a...) does not grow Bison's stack.
constexpr unsigned kMaxDepth = 512;

bool tooDeep(const Expr *e, unsigned d);
bool tooDeep(const Block *b, unsigned d);

bool tooDeep(const Stmt *s, unsigned d) {
  if (!s)
    return false;
  if (d > kMaxDepth)
    return true;
  return std::visit(
      [&](const auto &n) -> bool {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, ExprStmt>)
          return tooDeep(n.expr, d + 1);
        else if constexpr (std::is_same_v<T, Assign>)
          return tooDeep(n.target, d + 1) || tooDeep(n.value, d + 1) ||
                 (n.window && (tooDeep(n.window->over, d + 1) ||
                               tooDeep(n.window->every, d + 1)));
        else if constexpr (std::is_same_v<T, If>)
          return tooDeep(n.cond, d + 1) || tooDeep(n.then, d + 1) ||
                 tooDeep(n.otherwise, d + 1);
        else if constexpr (std::is_same_v<T, Unroll>)
          return tooDeep(n.count, d + 1) || tooDeep(n.body, d + 1);
        else if constexpr (std::is_same_v<T, While>)
          return tooDeep(n.cond, d + 1) || tooDeep(n.body, d + 1);
        else if constexpr (std::is_same_v<T, BlockStmt>)
          return tooDeep(n.block, d + 1);
        else
          return false;
      },
      s->node);
}

bool tooDeep(const Block *b, unsigned d) {
  if (!b)
    return false;
  if (d > kMaxDepth)
    return true;
  for (const Stmt *s : b->stmts)
    if (tooDeep(s, d + 1))
      return true;
  return false;
}

bool tooDeep(const std::vector<Expr *> &v, unsigned d) {
  for (const Expr *e : v)
    if (tooDeep(e, d))
      return true;
  return false;
}

bool tooDeep(const Expr *e, unsigned d) {
  if (!e)
    return false;
  if (d > kMaxDepth)
    return true;
  return std::visit(
      [&](const auto &n) -> bool {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, MapRef>)
          return tooDeep(n.keys, d + 1);
        else if constexpr (std::is_same_v<T, Call>)
          return tooDeep(n.args, d + 1);
        else if constexpr (std::is_same_v<T, Tuple>)
          return tooDeep(n.elems, d + 1);
        else if constexpr (std::is_same_v<T, Unary> ||
                           std::is_same_v<T, Cast> || std::is_same_v<T, Sizeof>)
          return tooDeep(n.operand, d + 1);
        else if constexpr (std::is_same_v<T, Binary>)
          return tooDeep(n.lhs, d + 1) || tooDeep(n.rhs, d + 1);
        else if constexpr (std::is_same_v<T, Ternary>)
          return tooDeep(n.cond, d + 1) || tooDeep(n.then, d + 1) ||
                 tooDeep(n.otherwise, d + 1);
        else if constexpr (std::is_same_v<T, FieldAccess>)
          return tooDeep(n.base, d + 1);
        else if constexpr (std::is_same_v<T, Index>)
          return tooDeep(n.base, d + 1) || tooDeep(n.index, d + 1);
        else
          return false;
      },
      e->node);
}

bool refuseDeep(ParseState &ps, SourceRange r, bool deep) {
  if (deep)
    ps.diags.report(DiagKind::syntax_error, r,
                    {"this item is nested too deeply (more than " +
                     std::to_string(kMaxDepth) + " levels)"});
  return deep;
}

/// Tokens after which an expression may have ended.
bool endsExpression(int tok) {
  switch (tok) {
  case IDENT:
  case VAR:
  case MAP:
  case INT:
  case FLOAT:
  case QUANTITY:
  case STRING:
  case POSITIONAL:
  case POSCOUNT:
  case ')':
  case ']':
  case INCR:
  case DECR: return true;
  }
  return false;
}

} // namespace

void addProbe(ParseState &ps, Probe *p) {
  if (!refuseDeep(ps, p->range,
                  tooDeep(p->predicate, 0) || tooDeep(p->body, 0)))
    ps.into.probes.push_back(p);
}

void addAlert(ParseState &ps, Alert *a) {
  bool deep = tooDeep(a->cond, 0) || tooDeep(a->forDuration, 0) ||
              tooDeep(a->cooldown, 0) || tooDeep(a->body, 0);
  if (!refuseDeep(ps, a->range, deep))
    ps.into.alerts.push_back(a);
}

void addImport(ParseState &ps, Import *i) {
  bool deep = false;
  for (const ParamOverride &o : i->overrides)
    deep = deep || tooDeep(o.value, 0);
  if (!refuseDeep(ps, i->range, deep))
    ps.into.imports.push_back(i);
}

void addParam(ParseState &ps, ParamDecl *d) {
  if (!refuseDeep(ps, d->range, tooDeep(d->value, 0)))
    ps.into.params.push_back(d);
}

void reportSyntaxError(ParseState &ps, SourceRange at, const char *unexpected,
                       bool atEnd, const std::vector<const char *> &expected,
                       bool wantsSemi, bool wantsExpr) {
  if (ps.lex.recentLexError())
    return; // the lexer has already said what is wrong here
  std::string what = unexpected;
  // 'and' and 'or' are not operators; a hint names the ones that are.
  const char *opHint = nullptr;
  if (what == "identifier" && !atEnd &&
      endsExpression(ps.lex.beforeLookahead())) {
    std::string_view word = ps.lex.textOf(at);
    if (word == "and")
      opHint = "use '&&' for 'and'";
    else if (word == "or")
      opHint = "use '||' for 'or'";
  }
  auto report = [&](SourceRange r, std::string msg) {
    DiagBuilder b = ps.diags.report(DiagKind::syntax_error, r, {msg});
    if (opHint)
      b.hint(opHint);
    return b;
  };
  bool closing = what == "')'" || what == "']'" || what == "'}'";
  uint32_t before = ps.lex.endBeforeLookahead();
  bool closesBlock = false;
  for (const char *e : expected)
    closesBlock |= std::strcmp(e, "'}'") == 0;
  if (atEnd && closesBlock) {
    report(SourceRange{at.file, before, before},
           "unexpected end of file, expected '}'");
    return;
  }
  if (wantsSemi && !closing && endsExpression(ps.lex.beforeLookahead())) {
    // Point just past the expression, as a C compiler does.
    uint32_t e = before;
    report(SourceRange{at.file, e, e + 1}, "expected ';' after expression");
    return;
  }
  if (atEnd)
    at = SourceRange{at.file, before, before};
  auto wants = [&](const char *name) {
    for (const char *e : expected)
      if (std::strcmp(e, name) == 0)
        return true;
    return false;
  };
  // An unclosed bracket before a block or the end of a statement.
  bool endsStmt = what == "'{'" || what == "';'" || what == "'}'" || atEnd;
  for (const char *close : {"')'", "']'"}) {
    if (endsStmt && wants(close) && !wantsSemi) {
      report(at, std::string("expected ") + close + " before " + what);
      return;
    }
  }
  std::string msg = "unexpected " + what;
  if (wants("attach point") && wants("'alert'")) {
    msg += ", expected a probe, 'alert', 'import' or 'param'";
    if (what == "identifier") {
      std::string word(ps.lex.textOf(at));
      report(at, msg)
          .suggest(word, {"BEGIN", "END", "alert", "import", "param"});
      return;
    }
  } else if (wantsExpr) {
    msg += ", expected expression";
  } else if (!expected.empty() && expected.size() <= 4) {
    msg += ", expected ";
    for (size_t i = 0; i < expected.size(); ++i) {
      if (i)
        msg += i + 1 == expected.size() ? " or " : ", ";
      msg += expected[i];
    }
  }
  report(at, msg);
}

void reportParserLimit(ParseState &ps, SourceRange at, const char *msg) {
  std::string m = std::strcmp(msg, "memory exhausted") == 0
                      ? "the program is nested too deeply"
                      : std::string(msg);
  ps.diags.report(DiagKind::syntax_error, at, {m});
}

} // namespace obs
