//===- ast_dump.cpp - the --dump=ast printer ------------------------------===//
//
// Prints a Program as an indented tree in the style of clang -ast-dump:
//   Probe <1:1>
//   |-AttachPoint <1:1> 'kprobe:vfs_read' kind=kprobe func='vfs_read'
//   `-Block <1:17>
// Each line is one node: its name, its <line:col> and what it holds.
//
//===----------------------------------------------------------------------===//
#include "lang/grammar/parser.h"

#include <cstdio>
#include <functional>
#include <sstream>

namespace obs {
namespace {

std::string quoted(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    case '\r': out += "\\r"; break;
    case '\\': out += "\\\\"; break;
    case '"': out += "\\\""; break;
    default:
      if (c < 0x20 || c >= 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        out += buf;
      } else {
        out += char(c);
      }
    }
  }
  return out + "\"";
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

const char *unitName(Unit u) {
  switch (u) {
  case Unit::None: return "none";
  case Unit::Duration: return "duration";
  case Unit::Size: return "size";
  case Unit::Rate: return "rate";
  case Unit::ByteRate: return "byterate";
  }
  return "?";
}

const char *unaryName(UnaryOp op) {
  switch (op) {
  case UnaryOp::Neg: return "'-'";
  case UnaryOp::Not: return "'!'";
  case UnaryOp::BitNot: return "'~'";
  case UnaryOp::Deref: return "'*'";
  case UnaryOp::AddrOf: return "'&'";
  case UnaryOp::PreInc: return "prefix '++'";
  case UnaryOp::PreDec: return "prefix '--'";
  case UnaryOp::PostInc: return "postfix '++'";
  case UnaryOp::PostDec: return "postfix '--'";
  }
  return "?";
}

const char *binaryName(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add: return "'+'";
  case BinaryOp::Sub: return "'-'";
  case BinaryOp::Mul: return "'*'";
  case BinaryOp::Div: return "'/'";
  case BinaryOp::Mod: return "'%'";
  case BinaryOp::Shl: return "'<<'";
  case BinaryOp::Shr: return "'>>'";
  case BinaryOp::BitAnd: return "'&'";
  case BinaryOp::BitOr: return "'|'";
  case BinaryOp::BitXor: return "'^'";
  case BinaryOp::Eq: return "'=='";
  case BinaryOp::Ne: return "'!='";
  case BinaryOp::Lt: return "'<'";
  case BinaryOp::Le: return "'<='";
  case BinaryOp::Gt: return "'>'";
  case BinaryOp::Ge: return "'>='";
  case BinaryOp::LogAnd: return "'&&'";
  case BinaryOp::LogOr: return "'||'";
  }
  return "?";
}

const char *assignName(AssignOp op) {
  switch (op) {
  case AssignOp::Set: return "'='";
  case AssignOp::Add: return "'+='";
  case AssignOp::Sub: return "'-='";
  case AssignOp::Mul: return "'*='";
  case AssignOp::Div: return "'/='";
  case AssignOp::Mod: return "'%='";
  case AssignOp::Shl: return "'<<='";
  case AssignOp::Shr: return "'>>='";
  case AssignOp::BitAnd: return "'&='";
  case AssignOp::BitOr: return "'|='";
  case AssignOp::BitXor: return "'^='";
  }
  return "?";
}

std::string typeName(const TypeName &t) {
  std::string s = t.name;
  if (t.pointers)
    s += " " + std::string(t.pointers, '*');
  return s;
}

class Dumper {
public:
  Dumper(std::ostream &os, const SourceManager &sm) : os_(os), sm_(sm) {}

  void program(const Program &p) {
    line("Program", p.range, "");
    std::vector<std::function<void()>> kids;
    for (const Include &i : p.includes)
      kids.push_back([&] { line("Include", i.range, quoted(i.header)); });
    for (const Import *i : p.imports)
      kids.push_back([&, i] { import(*i); });
    for (const ParamDecl *d : p.params)
      kids.push_back([&, d] {
        line("ParamDecl", d->range, d->name);
        children({[&] { expr(d->value); }});
      });
    for (const Probe *pr : p.probes)
      kids.push_back([&, pr] { probe(*pr); });
    for (const Alert *a : p.alerts)
      kids.push_back([&, a] { alert(*a); });
    children(kids);
  }

private:
  using Kids = std::vector<std::function<void()>>;

  /// Prints the node's own line; the prefix is already out.
  void line(const char *name, SourceRange r, const std::string &detail) {
    os_ << name << " " << loc(r);
    if (!detail.empty())
      os_ << " " << detail;
    os_ << "\n";
  }

  std::string loc(SourceRange r) {
    if (r.file >= sm_.size())
      return "<invalid>";
    const SourceFile &f = sm_.file(r.file);
    if (r.begin > f.text().size())
      return "<invalid>";
    LineCol lc = f.lineCol(r.begin);
    return "<" + std::to_string(lc.line) + ":" + std::to_string(lc.col) + ">";
  }

  void children(const Kids &kids) {
    for (size_t i = 0; i < kids.size(); ++i) {
      bool last = i + 1 == kids.size();
      os_ << prefix_ << (last ? "`-" : "|-");
      size_t saved = prefix_.size();
      prefix_ += last ? "  " : "| ";
      kids[i]();
      prefix_.resize(saved);
    }
  }

  /// A labelled slot, such as the predicate of a probe.
  std::function<void()> slot(const char *label, SourceRange r, const Expr *e) {
    return [=, this] {
      line(label, r, "");
      children({[=, this] { expr(e); }});
    };
  }

  void import(const Import &i) {
    line("Import", i.range, quoted(i.path));
    Kids kids;
    for (const ParamOverride &o : i.overrides)
      kids.push_back([&] {
        line("ParamOverride", o.nameRange, o.name);
        children({[&] { expr(o.value); }});
      });
    children(kids);
  }

  void attachPoint(const AttachPoint &ap) {
    std::string d = "'" + ap.text + "' kind=" + probeKindName(ap.kind);
    if (!ap.target.empty())
      d += " target='" + ap.target + "'";
    if (!ap.provider.empty())
      d += " provider='" + ap.provider + "'";
    if (!ap.func.empty())
      d += " func='" + ap.func + "'";
    if (ap.value)
      d += " value=" + std::to_string(ap.value);
    if (ap.hasOffset)
      d += " offset=" + std::to_string(ap.offset);
    if (ap.hasAddress) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)ap.address);
      d += std::string(" address=") + buf;
    }
    if (ap.hasWildcard())
      d += " wildcard";
    line("AttachPoint", ap.range, d);
  }

  void probe(const Probe &p) {
    line("Probe", p.range, "");
    Kids kids;
    for (const AttachPoint *ap : p.points)
      kids.push_back([&, ap] { attachPoint(*ap); });
    if (p.predicate)
      kids.push_back(slot("Predicate", p.predicate->range, p.predicate));
    if (p.body)
      kids.push_back([&] { block(*p.body); });
    children(kids);
  }

  void alert(const Alert &a) {
    line("Alert", a.range, a.name);
    Kids kids;
    if (a.cond)
      kids.push_back(slot("When", a.cond->range, a.cond));
    if (a.forDuration)
      kids.push_back(slot("For", a.forDuration->range, a.forDuration));
    if (a.cooldown)
      kids.push_back(slot("Cooldown", a.cooldown->range, a.cooldown));
    if (a.body)
      kids.push_back([&] { block(*a.body); });
    children(kids);
  }

  void block(const Block &b) {
    line("Block", b.range, "");
    Kids kids;
    for (const Stmt *s : b.stmts)
      kids.push_back([&, s] { stmt(s); });
    children(kids);
  }

  void stmt(const Stmt *s) {
    if (!s) {
      os_ << "<<null>>\n";
      return;
    }
    std::visit([&](const auto &n) { stmtNode(*s, n); }, s->node);
  }

  void stmtNode(const Stmt &s, const ExprStmt &n) {
    line("ExprStmt", s.range, "");
    children({[&] { expr(n.expr); }});
  }
  void stmtNode(const Stmt &s, const Assign &n) {
    line("Assign", s.range, assignName(n.op));
    Kids kids{[&] { expr(n.target); }, [&] { expr(n.value); }};
    if (const WindowSpec *w = n.window) {
      kids.push_back([&, w] {
        line("Window", w->range, w->every ? "hopping" : "tumbling");
        Kids wk;
        if (w->over)
          wk.push_back(slot("Over", w->over->range, w->over));
        if (w->every)
          wk.push_back(slot("Every", w->every->range, w->every));
        children(wk);
      });
    }
    children(kids);
  }
  void stmtNode(const Stmt &s, const If &n) {
    line("If", s.range, n.otherwise ? "has_else" : "");
    Kids kids{[&] { expr(n.cond); }, [&] { block(*n.then); }};
    if (n.otherwise)
      kids.push_back([&] { stmt(n.otherwise); });
    children(kids);
  }
  void stmtNode(const Stmt &s, const Unroll &n) {
    line("Unroll", s.range, "");
    children({[&] { expr(n.count); }, [&] { block(*n.body); }});
  }
  void stmtNode(const Stmt &s, const While &n) {
    line("While", s.range, "");
    children({[&] { expr(n.cond); }, [&] { block(*n.body); }});
  }
  void stmtNode(const Stmt &s, const Jump &n) {
    line("Jump", s.range,
         n.kind == JumpKind::Return  ? "return"
         : n.kind == JumpKind::Break ? "break"
                                     : "continue");
  }
  void stmtNode(const Stmt &s, const BlockStmt &n) {
    line("BlockStmt", s.range, "");
    children({[&] { block(*n.block); }});
  }

  void expr(const Expr *e) {
    if (!e) {
      os_ << "<<null>>\n";
      return;
    }
    std::visit([&](const auto &n) { exprNode(*e, n); }, e->node);
  }

  void exprNode(const Expr &e, const IntegerLit &n) {
    line("IntegerLit", e.range, std::to_string(n.value));
  }
  void exprNode(const Expr &e, const StringLit &n) {
    line("StringLit", e.range, quoted(n.value));
  }
  void exprNode(const Expr &e, const QuantityLit &n) {
    line("QuantityLit", e.range,
         number(n.value) + " " + unitName(n.unit) + " '" + n.spelling + "'");
  }
  void exprNode(const Expr &e, const Identifier &n) {
    line("Identifier", e.range, n.name);
  }
  void exprNode(const Expr &e, const PositionalParam &n) {
    line("PositionalParam", e.range,
         n.count ? std::string("$#") : "$" + std::to_string(n.index));
  }
  void exprNode(const Expr &e, const Variable &n) {
    line("Variable", e.range, "$" + n.name);
  }
  void exprNode(const Expr &e, const MapRef &n) {
    line("MapRef", e.range, "@" + n.name);
    Kids kids;
    for (const Expr *k : n.keys)
      kids.push_back([&, k] { expr(k); });
    children(kids);
  }
  void exprNode(const Expr &e, const Call &n) {
    line("Call", e.range, n.name);
    Kids kids;
    for (const Expr *a : n.args)
      kids.push_back([&, a] { expr(a); });
    children(kids);
  }
  void exprNode(const Expr &e, const Unary &n) {
    line("Unary", e.range, unaryName(n.op));
    children({[&] { expr(n.operand); }});
  }
  void exprNode(const Expr &e, const Binary &n) {
    line("Binary", e.range, binaryName(n.op));
    children({[&] { expr(n.lhs); }, [&] { expr(n.rhs); }});
  }
  void exprNode(const Expr &e, const Ternary &n) {
    line("Ternary", e.range, "");
    children({[&] { expr(n.cond); }, [&] { expr(n.then); },
              [&] { expr(n.otherwise); }});
  }
  void exprNode(const Expr &e, const FieldAccess &n) {
    line("FieldAccess", e.range, (n.arrow ? "->" : ".") + n.field);
    children({[&] { expr(n.base); }});
  }
  void exprNode(const Expr &e, const Index &n) {
    line("Index", e.range, "");
    children({[&] { expr(n.base); }, [&] { expr(n.index); }});
  }
  void exprNode(const Expr &e, const Cast &n) {
    line("Cast", e.range, "'" + typeName(n.type) + "'");
    children({[&] { expr(n.operand); }});
  }
  void exprNode(const Expr &e, const Tuple &n) {
    line("Tuple", e.range, std::to_string(n.elems.size()) + " elements");
    Kids kids;
    for (const Expr *x : n.elems)
      kids.push_back([&, x] { expr(x); });
    children(kids);
  }
  void exprNode(const Expr &e, const Sizeof &n) {
    if (n.isType) {
      line("Sizeof", e.range, "type '" + typeName(n.type) + "'");
      return;
    }
    line("Sizeof", e.range, "expr");
    children({[&] { expr(n.operand); }});
  }

  std::ostream &os_;
  const SourceManager &sm_;
  std::string prefix_;
};

} // namespace

void dumpAST(std::ostream &os, const SourceManager &sm, const Program &p) {
  Dumper(os, sm).program(p);
}

} // namespace obs
