/*===- parser.y - the Bison grammar of obs ---------------------------------===
 *
 * LALR(1), no conflicts (%expect 0). Actions are one line: they build nodes
 * in the ASTContext arena. Error recovery resynchronises at statement
 * boundaries (';' and '}') inside blocks and at item boundaries at the top
 * level, so one typo gives one diagnostic.
 *
 *===----------------------------------------------------------------------===*/

%require "3.8"
%define api.pure full
%define api.prefix {obsyy}
%define api.location.type {obs::SourceRange}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%parse-param {obs::ParseState &ps}
%lex-param {obs::ParseState &ps}

%code requires {
#include "lang/grammar/ast.h"
#include <string>
#include <vector>
namespace obs { struct ParseState; }
}

%code provides {
namespace obs {
/// Runs the generated parser over the state's lexer.
int runParser(ParseState &ps);
}
}

%code {
#include "lang/grammar/lexer.h"
#include "lang/grammar/parse_actions.h"
using namespace obs;

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                           \
  do {                                                                        \
    if (N) {                                                                  \
      (Cur).file = YYRHSLOC(Rhs, 1).file;                                     \
      (Cur).begin = YYRHSLOC(Rhs, 1).begin;                                   \
      (Cur).end = YYRHSLOC(Rhs, N).end;                                       \
    } else {                                                                  \
      (Cur).file = YYRHSLOC(Rhs, 0).file;                                     \
      (Cur).begin = (Cur).end = YYRHSLOC(Rhs, 0).end;                         \
    }                                                                         \
  } while (0)
/* Deep nesting ends in a diagnostic, not in a deep recursion later. The
   stacks are fixed arrays (C++ location types are not relocated). */
#define YYINITDEPTH 2000
#define YYMAXDEPTH 2000

static int obsyylex(OBSYYSTYPE *v, SourceRange *l, ParseState &ps) {
  return ps.lex.next(v, l);
}
static void obsyyerror(SourceRange *l, ParseState &ps, const char *msg) {
  reportParserLimit(ps, *l, msg);
}
}

%union {
  obs::Expr *expr;
  obs::Stmt *stmt;
  obs::Block *block;
  obs::Probe *probe;
  obs::Alert *alert;
  obs::Import *import;
  obs::AttachPoint *ap;
  std::vector<obs::AttachPoint *> *aps;
  obs::WindowSpec *window;
  obs::TypeName *type;
  std::string *str;
  std::vector<obs::Expr *> *exprs;
  std::vector<obs::ParamOverride> *overrides;
  uint64_t num;
  int aop;
}

%token <str> IDENT "identifier" ATTACH "attach point" VAR "variable"
%token <str> MAP "map" INTTYPE "type name" INCLUDE "'#include'"
%token <expr> INT "integer" FLOAT "number" QUANTITY "quantity" STRING "string"
%token <num> POSITIONAL "positional parameter"
%token POSCOUNT "'$#'"
%token ENDPRED "'/' ending the predicate"
%token IF "'if'" ELSE "'else'" UNROLL "'unroll'" WHILE "'while'"
%token RETURN "'return'" BREAK "'break'" CONTINUE "'continue'"
%token SIZEOF "'sizeof'" OVER "'over'" EVERY "'every'" ALERT "'alert'"
%token WHEN "'when'" FOR "'for'" COOLDOWN "'cooldown'" IMPORT "'import'"
%token PARAM "'param'" STRUCT "'struct'" UNION "'union'" ENUM "'enum'"
%token OROR "'||'" ANDAND "'&&'" EQ "'=='" NE "'!='" LE "'<='" GE "'>='"
%token SHL "'<<'" SHR "'>>'" INCR "'++'" DECR "'--'" ARROW "'->'"
%token <aop> COMPOUND "compound assignment"

%nterm <expr> expr unary postfix primary map pred_opt window_dur for_opt cooldown_opt
%nterm <stmt> simple_stmt compound_stmt else_opt
%nterm <block> block stmts
%nterm <probe> probe
%nterm <alert> alert
%nterm <import> import
%nterm <ap> attach
%nterm <aps> attach_list
%nterm <window> window_opt
%nterm <type> type_name
%nterm <exprs> args expr_list
%nterm <overrides> overrides
%nterm <num> stars
%nterm <aop> assign_op

%right '?' ':'
%left OROR
%left ANDAND
%left '|'
%left '^'
%left '&'
%left EQ NE
%left '<' LE '>' GE
%left SHL SHR
%left '+' '-'
%left '*' '/' '%'
%precedence MAP_ALONE
%precedence '['

%%

program: %empty
  | program item
  ;

item: probe            { addProbe(ps, $1); }
  | alert              { addAlert(ps, $1); }
  | import             { addImport(ps, $1); }
  | PARAM IDENT '=' expr ';' { addParam(ps, ps.ctx.make<ParamDecl>(@$, *$2, $4)); }
  | INCLUDE            { ps.into.includes.push_back(Include{@$, *$1}); }
  | error block        { yyerrok; }
  | error '}'          { ps.lex.skipToTopLevel(); }
  | error ';'          { ps.lex.skipToTopLevel(); yyerrok; }
  ;

probe: attach_list pred_opt block { $$ = ps.ctx.make<Probe>(@$, *$1, $2, $3); }
  ;
attach_list: attach    { $$ = ps.ctx.make<std::vector<AttachPoint *>>(); $$->push_back($1); }
  | attach_list ',' attach { $$ = $1; $$->push_back($3); }
  ;
attach: ATTACH         { $$ = makeAttachPoint(ps, @$, *$1); }
  ;
pred_opt: %empty       { $$ = nullptr; }
  | '/' expr ENDPRED   { $$ = $2; }
  ;

alert: ALERT IDENT WHEN expr for_opt cooldown_opt block { $$ = ps.ctx.make<Alert>(@$, *$2, @2, $4, $5, $6, $7); }
  ;
for_opt: %empty        { $$ = nullptr; }
  | FOR window_dur     { $$ = checkDuration(ps, $2, "for"); }
  ;
cooldown_opt: %empty   { $$ = nullptr; }
  | COOLDOWN window_dur { $$ = checkDuration(ps, $2, "cooldown"); }
  ;

import: IMPORT STRING ';' { $$ = makeImport(ps, @$, $2, nullptr); }
  | IMPORT STRING '(' overrides ')' ';' { $$ = makeImport(ps, @$, $2, $4); }
  ;
overrides: IDENT '=' expr { $$ = ps.ctx.make<std::vector<ParamOverride>>(); $$->push_back(ParamOverride{*$1, @1, $3}); }
  | overrides ',' IDENT '=' expr { $$ = $1; $$->push_back(ParamOverride{*$3, @3, $5}); }
  ;

block: '{' stmts '}'   { $$ = $2; $$->range = @$; }
  | '{' stmts simple_stmt '}' { $$ = $2; $$->stmts.push_back($3); $$->range = @$; }
  | '{' stmts error '}' { $$ = $2; $$->range = @$; }
  ;
stmts: %empty          { $$ = ps.ctx.make<Block>(); }
  | stmts simple_stmt ';' { $$ = $1; $$->stmts.push_back($2); }
  | stmts compound_stmt { $$ = $1; $$->stmts.push_back($2); }
  | stmts ';'          { $$ = $1; }
  | stmts error ';'    { $$ = $1; }
  | stmts error block  { $$ = $1; }
  ;

simple_stmt: expr      { $$ = ps.ctx.stmt(@$, ExprStmt{$1}); }
  | expr assign_op expr window_opt { $$ = ps.ctx.stmt(@$, Assign{$1, AssignOp($2), $3, $4}); }
  | RETURN             { $$ = ps.ctx.stmt(@$, Jump{JumpKind::Return}); }
  | BREAK              { $$ = ps.ctx.stmt(@$, Jump{JumpKind::Break}); }
  | CONTINUE           { $$ = ps.ctx.stmt(@$, Jump{JumpKind::Continue}); }
  ;
assign_op: '='         { $$ = int(AssignOp::Set); }
  | COMPOUND           { $$ = $1; }
  ;
window_opt: %empty     { $$ = nullptr; }
  | OVER window_dur    { $$ = ps.ctx.make<WindowSpec>(@$, checkDuration(ps, $2, "over"), nullptr); }
  | OVER window_dur EVERY window_dur { $$ = ps.ctx.make<WindowSpec>(@$, checkDuration(ps, $2, "over"), checkDuration(ps, $4, "every")); }
  ;
window_dur: unary      { $$ = $1; }
  ;

compound_stmt: IF '(' expr ')' block else_opt { $$ = ps.ctx.stmt(@$, If{$3, $5, $6}); }
  | UNROLL '(' expr ')' block { $$ = ps.ctx.stmt(@$, Unroll{$3, $5}); }
  | WHILE '(' expr ')' block { $$ = ps.ctx.stmt(@$, While{$3, $5}); }
  | block              { $$ = ps.ctx.stmt(@$, BlockStmt{$1}); }
  ;
else_opt: %empty       { $$ = nullptr; }
  | ELSE block         { $$ = ps.ctx.stmt(@2, BlockStmt{$2}); }
  | ELSE IF '(' expr ')' block else_opt { $$ = ps.ctx.stmt(@2.to(@$), If{$4, $6, $7}); }
  ;

expr: unary
  | expr '?' expr ':' expr { $$ = ps.ctx.expr(@$, Ternary{$1, $3, $5}); }
  | expr OROR expr     { $$ = binary(ps, @$, BinaryOp::LogOr, $1, $3); }
  | expr ANDAND expr   { $$ = binary(ps, @$, BinaryOp::LogAnd, $1, $3); }
  | expr '|' expr      { $$ = binary(ps, @$, BinaryOp::BitOr, $1, $3); }
  | expr '^' expr      { $$ = binary(ps, @$, BinaryOp::BitXor, $1, $3); }
  | expr '&' expr      { $$ = binary(ps, @$, BinaryOp::BitAnd, $1, $3); }
  | expr EQ expr       { $$ = binary(ps, @$, BinaryOp::Eq, $1, $3); }
  | expr NE expr       { $$ = binary(ps, @$, BinaryOp::Ne, $1, $3); }
  | expr '<' expr      { $$ = binary(ps, @$, BinaryOp::Lt, $1, $3); }
  | expr LE expr       { $$ = binary(ps, @$, BinaryOp::Le, $1, $3); }
  | expr '>' expr      { $$ = binary(ps, @$, BinaryOp::Gt, $1, $3); }
  | expr GE expr       { $$ = binary(ps, @$, BinaryOp::Ge, $1, $3); }
  | expr SHL expr      { $$ = binary(ps, @$, BinaryOp::Shl, $1, $3); }
  | expr SHR expr      { $$ = binary(ps, @$, BinaryOp::Shr, $1, $3); }
  | expr '+' expr      { $$ = binary(ps, @$, BinaryOp::Add, $1, $3); }
  | expr '-' expr      { $$ = binary(ps, @$, BinaryOp::Sub, $1, $3); }
  | expr '*' expr      { $$ = binary(ps, @$, BinaryOp::Mul, $1, $3); }
  | expr '/' expr      { $$ = binary(ps, @$, BinaryOp::Div, $1, $3); }
  | expr '%' expr      { $$ = binary(ps, @$, BinaryOp::Mod, $1, $3); }
  ;

unary: postfix
  | '!' unary          { $$ = ps.ctx.expr(@$, Unary{UnaryOp::Not, $2}); }
  | '~' unary          { $$ = ps.ctx.expr(@$, Unary{UnaryOp::BitNot, $2}); }
  | '-' unary          { $$ = ps.ctx.expr(@$, Unary{UnaryOp::Neg, $2}); }
  | '*' unary          { $$ = ps.ctx.expr(@$, Unary{UnaryOp::Deref, $2}); }
  | '&' unary          { $$ = ps.ctx.expr(@$, Unary{UnaryOp::AddrOf, $2}); }
  | INCR unary         { $$ = ps.ctx.expr(@$, Unary{UnaryOp::PreInc, $2}); }
  | DECR unary         { $$ = ps.ctx.expr(@$, Unary{UnaryOp::PreDec, $2}); }
  | '(' type_name ')' unary { $$ = ps.ctx.expr(@$, Cast{*$2, $4}); }
  | SIZEOF '(' type_name ')' { $$ = ps.ctx.expr(@$, Sizeof{true, *$3, nullptr}); }
  | SIZEOF '(' expr ')' { $$ = ps.ctx.expr(@$, Sizeof{false, TypeName{}, $3}); }
  ;

type_name: INTTYPE stars { $$ = ps.ctx.make<TypeName>(*$1, unsigned($2), @$); }
  | STRUCT IDENT stars { $$ = ps.ctx.make<TypeName>("struct " + *$2, unsigned($3), @$); }
  | UNION IDENT stars  { $$ = ps.ctx.make<TypeName>("union " + *$2, unsigned($3), @$); }
  | ENUM IDENT stars   { $$ = ps.ctx.make<TypeName>("enum " + *$2, unsigned($3), @$); }
  ;
stars: %empty          { $$ = 0; }
  | stars '*'          { $$ = $1 + 1; }
  ;

postfix: primary
  | postfix '[' expr ']' { $$ = ps.ctx.expr(@$, Index{$1, $3}); }
  | postfix '.' IDENT  { $$ = ps.ctx.expr(@$, FieldAccess{$1, *$3, @3, false}); }
  | postfix '.' INT    { $$ = tupleField(ps, @$, $1, $3, @3); }
  | postfix ARROW IDENT { $$ = ps.ctx.expr(@$, FieldAccess{$1, *$3, @3, true}); }
  | postfix INCR       { $$ = ps.ctx.expr(@$, Unary{UnaryOp::PostInc, $1}); }
  | postfix DECR       { $$ = ps.ctx.expr(@$, Unary{UnaryOp::PostDec, $1}); }
  ;

primary: INT | FLOAT | QUANTITY | STRING
  | IDENT              { $$ = ps.ctx.expr(@$, Identifier{*$1}); }
  | VAR                { $$ = ps.ctx.expr(@$, Variable{*$1}); }
  | POSITIONAL         { $$ = ps.ctx.expr(@$, PositionalParam{unsigned($1), false}); }
  | POSCOUNT           { $$ = ps.ctx.expr(@$, PositionalParam{0, true}); }
  | map
  | IDENT '(' args ')' { $$ = ps.ctx.expr(@$, Call{*$1, @1, *$3}); }
  | '(' expr ')'       { $$ = $2; }
  | '(' expr ',' expr_list ')' { $4->insert($4->begin(), $2); $$ = ps.ctx.expr(@$, Tuple{*$4}); }
  ;
map: MAP %prec MAP_ALONE { $$ = ps.ctx.expr(@$, MapRef{*$1, {}}); }
  | MAP '[' expr_list ']' { $$ = ps.ctx.expr(@$, MapRef{*$1, *$3}); }
  ;
args: %empty           { $$ = ps.ctx.make<std::vector<Expr *>>(); }
  | expr_list
  ;
expr_list: expr        { $$ = ps.ctx.make<std::vector<Expr *>>(); $$->push_back($1); }
  | expr_list ',' expr { $$ = $1; $$->push_back($3); }
  ;

%%

static int yyreport_syntax_error(const yypcontext_t *yyctx, ParseState &ps) {
  std::vector<yysymbol_kind_t> expected(YYNTOKENS);
  int n = yypcontext_expected_tokens(yyctx, expected.data(), YYNTOKENS);
  std::vector<const char *> names;
  bool wantsSemi = false, wantsInt = false, wantsParen = false;
  for (int i = 0; i < n; ++i) {
    yysymbol_kind_t k = expected[i];
    wantsSemi |= std::string_view(yysymbol_name(k)) == "';'";
    wantsParen |= std::string_view(yysymbol_name(k)) == "'('";
    wantsInt |= k == YYSYMBOL_INT;
    names.push_back(yysymbol_name(k));
  }
  bool wantsExpr = wantsInt && wantsParen;
  yysymbol_kind_t la = yypcontext_token(yyctx);
  reportSyntaxError(ps, *yypcontext_location(yyctx), yysymbol_name(la),
                    la == YYSYMBOL_YYEOF, names, wantsSemi, wantsExpr);
  return 0;
}

namespace obs {
int runParser(ParseState &ps) { return obsyyparse(ps); }
}
