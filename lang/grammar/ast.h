//===- ast.h - the syntax tree of an obs program --------------------------===//
//
// One struct per node, a SourceRange in every node, all nodes owned by an
// ASTContext arena. Expressions and statements are closed std::variants
// wrapped in Expr and Stmt; ExprVisitor-style traversal is in visitor.h.
// Sema annotates Expr::type; nothing else in the tree changes after parsing
// except AttachPoint::expansions and the resolution fields marked "sema".
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/support/source.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <string>
#include <variant>
#include <vector>

namespace obs {

class Type; // lang/sema/types.h
struct Expr;
struct Stmt;
struct Block;

//===-- Expressions -------------------------------------------------------===//

struct IntegerLit {
  uint64_t value = 0;
};
struct StringLit {
  std::string value; ///< escapes already decoded
};

/// The dimension of a literal with a unit, and of unit-typed values.
enum class Unit {
  None,     ///< a plain number or count
  Duration, ///< nanoseconds
  Size,     ///< bytes
  Rate,     ///< events per second
  ByteRate, ///< bytes per second
};

/// `500ms`, `4KB`, `50/s`, `1MB/min`. `value` is in the base unit of `unit`:
/// ns, bytes, per second.
struct QuantityLit {
  double value = 0;
  Unit unit = Unit::None;
  std::string spelling; ///< as written, for messages
};

/// A bare name: a builtin (pid, comm, args ...), a param, or, inside
/// sizeof and offsetof, a type. Sema decides which.
struct Identifier {
  std::string name;
};
/// `$1` (index 1) ... and `$#` (count = true).
struct PositionalParam {
  unsigned index = 0;
  bool count = false;
};
/// A scratch variable `$name`.
struct Variable {
  std::string name;
};
/// `@name`, `@name[k]`, `@name[k1, k2]`, `@` (name empty), `@[k]`.
struct MapRef {
  std::string name;
  std::vector<Expr *> keys;
};
/// A call to a function, aggregation or window function: `count()`,
/// `printf("%d\n", pid)`, `rate()`, `slope(x)`.
struct Call {
  std::string name;
  SourceRange nameRange;
  std::vector<Expr *> args;
};

enum class UnaryOp { Neg, Not, BitNot, Deref, AddrOf, PreInc, PreDec, PostInc, PostDec };
struct Unary {
  UnaryOp op;
  Expr *operand = nullptr;
};

enum class BinaryOp {
  Add, Sub, Mul, Div, Mod,
  Shl, Shr, BitAnd, BitOr, BitXor,
  Eq, Ne, Lt, Le, Gt, Ge,
  LogAnd, LogOr,
};
struct Binary {
  BinaryOp op;
  Expr *lhs = nullptr;
  Expr *rhs = nullptr;
};
struct Ternary {
  Expr *cond = nullptr;
  Expr *then = nullptr;
  Expr *otherwise = nullptr;
};
/// `base.field` or `base->field`; also `args.x` and `args->x`.
struct FieldAccess {
  Expr *base = nullptr;
  std::string field;
  SourceRange fieldRange;
  bool arrow = false;
};
/// `base[index]` on a pointer or array (map subscripts are MapRef keys).
struct Index {
  Expr *base = nullptr;
  Expr *index = nullptr;
};

/// A C type as written in casts and sizeof: `uint32`, `struct task_struct *`.
struct TypeName {
  std::string name;      ///< "uint32", "struct task_struct", "int8" ...
  unsigned pointers = 0; ///< number of `*`
  SourceRange range;
};
struct Cast {
  TypeName type;
  Expr *operand = nullptr;
};
struct Tuple {
  std::vector<Expr *> elems;
};
/// `sizeof(type)` or `sizeof(expr)`: exactly one of the two is set.
struct Sizeof {
  bool isType = false;
  TypeName type;
  Expr *operand = nullptr;
};

using ExprNode = std::variant<IntegerLit, StringLit, QuantityLit, Identifier,
                              PositionalParam, Variable, MapRef, Call, Unary,
                              Binary, Ternary, FieldAccess, Index, Cast, Tuple,
                              Sizeof>;

struct Expr {
  SourceRange range;
  ExprNode node;
  const Type *type = nullptr; ///< sema

  template <class T> T *as() { return std::get_if<T>(&node); }
  template <class T> const T *as() const { return std::get_if<T>(&node); }
  template <class T> bool is() const { return std::holds_alternative<T>(node); }
};

//===-- Statements --------------------------------------------------------===//

/// `over W` or `over W every S` after an aggregation assignment.
struct WindowSpec {
  SourceRange range;
  Expr *over = nullptr;
  Expr *every = nullptr; ///< null for a tumbling window
};

struct ExprStmt {
  Expr *expr = nullptr;
};

enum class AssignOp { Set, Add, Sub, Mul, Div, Mod, Shl, Shr, BitAnd, BitOr, BitXor };

/// `@m[k] = v [over W [every S]];`, `$x = v;`, `@m += v;`. The target is a
/// MapRef or a Variable expression.
struct Assign {
  Expr *target = nullptr;
  AssignOp op = AssignOp::Set;
  Expr *value = nullptr;
  WindowSpec *window = nullptr;
};
struct If {
  Expr *cond = nullptr;
  Block *then = nullptr;
  Stmt *otherwise = nullptr; ///< null, an If, or a BlockStmt
};
struct Unroll {
  Expr *count = nullptr;
  Block *body = nullptr;
};
struct While {
  Expr *cond = nullptr;
  Block *body = nullptr;
};
enum class JumpKind { Return, Break, Continue };
struct Jump {
  JumpKind kind;
};
/// A nested `{ ... }`, used for `else { ... }`.
struct BlockStmt {
  Block *block = nullptr;
};

using StmtNode = std::variant<ExprStmt, Assign, If, Unroll, While, Jump, BlockStmt>;

struct Stmt {
  SourceRange range;
  StmtNode node;

  template <class T> T *as() { return std::get_if<T>(&node); }
  template <class T> const T *as() const { return std::get_if<T>(&node); }
  template <class T> bool is() const { return std::holds_alternative<T>(node); }
};

struct Block {
  SourceRange range;
  std::vector<Stmt *> stmts;
};

//===-- Top level ---------------------------------------------------------===//

enum class ProbeKind {
  Begin, End, Tracepoint, RawTracepoint, Kprobe, Kretprobe, Fentry, Fexit,
  Uprobe, Uretprobe, Usdt, Profile, Interval, Software, Hardware,
};

/// The canonical name of a probe kind: "tracepoint", "uprobe", ...
const char *probeKindName(ProbeKind kind);

/// One attach point, as written and as split by parseAttachPoint().
///   tracepoint:CATEGORY:EVENT      target=CATEGORY func=EVENT
///   rawtracepoint:EVENT            func=EVENT
///   kprobe:FUNC[+OFF]              func, offset
///   fentry:[MODULE:]FUNC           target=MODULE func
///   uprobe:BINARY:FUNC[+OFF]       target=BINARY func, offset
///   uprobe:BINARY:0xADDR           target=BINARY address
///   usdt:BINARY:[PROVIDER:]NAME    target=BINARY provider func=NAME
///   profile:hz:99, interval:s:1    target=UNIT value
///   software:EVENT:COUNT           target=EVENT value (0 = default)
struct AttachPoint {
  SourceRange range;
  std::string text; ///< as written
  ProbeKind kind = ProbeKind::Begin;
  std::string target;
  std::string provider;
  std::string func;
  uint64_t value = 0;
  uint64_t offset = 0;
  uint64_t address = 0;
  bool hasOffset = false;
  bool hasAddress = false;
  /// sema: the concrete "target:func" names a wildcard expanded to (one
  /// entry, the point itself, when there is no wildcard).
  std::vector<std::string> expansions;

  bool hasWildcard() const;
};

struct Probe {
  SourceRange range;
  std::vector<AttachPoint *> points;
  Expr *predicate = nullptr;
  Block *body = nullptr;
};

/// `alert NAME when COND [for D] [cooldown D] { ... }`
struct Alert {
  SourceRange range;
  std::string name;
  SourceRange nameRange;
  Expr *cond = nullptr;
  Expr *forDuration = nullptr;
  Expr *cooldown = nullptr;
  Block *body = nullptr;
};

struct ParamOverride {
  std::string name;
  SourceRange nameRange;
  Expr *value = nullptr;
};
/// `import "path";` or `import "path"(name = value, ...);`
struct Import {
  SourceRange range;
  std::string path;
  std::vector<ParamOverride> overrides;
};
/// `param name = value;`
struct ParamDecl {
  SourceRange range;
  std::string name;
  Expr *value = nullptr;
};
/// `#include <linux/sched.h>`: accepted for bpftrace compatibility; types
/// come from BTF, so the header is recorded and not read.
struct Include {
  SourceRange range;
  std::string header;
};

struct Program {
  SourceRange range;
  std::vector<Include> includes;
  std::vector<Import *> imports;
  std::vector<ParamDecl *> params;
  std::vector<Probe *> probes;
  std::vector<Alert *> alerts;
};

//===-- Arena -------------------------------------------------------------===//

/// Owns every node of one compilation. Nodes are never freed one by one.
class ASTContext {
public:
  ASTContext() = default;
  ASTContext(const ASTContext &) = delete;
  ASTContext &operator=(const ASTContext &) = delete;
  ~ASTContext();

  template <class T, class... Args> T *make(Args &&...args) {
    void *mem = allocate(sizeof(T), alignof(T));
    T *p = new (mem) T{std::forward<Args>(args)...};
    if constexpr (!std::is_trivially_destructible_v<T>)
      dtors_.push_back({p, [](void *q) { static_cast<T *>(q)->~T(); }});
    return p;
  }
  template <class N> Expr *expr(SourceRange r, N node) {
    return make<Expr>(r, ExprNode(std::move(node)));
  }
  template <class N> Stmt *stmt(SourceRange r, N node) {
    return make<Stmt>(r, StmtNode(std::move(node)));
  }

  Program program;

private:
  void *allocate(size_t size, size_t align);
  struct Dtor {
    void *obj;
    void (*fn)(void *);
  };
  std::vector<std::unique_ptr<char[]>> slabs_;
  size_t used_ = 0, cap_ = 0;
  std::vector<Dtor> dtors_;
};

} // namespace obs
