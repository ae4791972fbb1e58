//===- codegen_test.cpp - obs-codegen-test: codegen without the front end -===//
//
// Builds small programs from hand-made, hand-typed ASTs (types written here,
// not read from the machine, so IR tests are hermetic), lowers them, and
// optionally loads, attaches and runs them:
//
//   obs-codegen-test CASE --dump=ir|bpf|spec     IR, BPF assembly, the contract
//   obs-codegen-test CASE -o FILE.o              the ELF object
//   obs-codegen-test CASE --load                 load only (verifier), then close
//   obs-codegen-test CASE --run 'CMD' [-n N]     attach, run CMD N times, dump maps
//   obs-codegen-test --ir FILE.ll [--load]       compile IR text instead
//   obs-codegen-test --list
//
//===----------------------------------------------------------------------===//

#include "codegen/bpf_target.h"
#include "codegen/codegen.h"
#include "runtime/loader.h"
#include "runtime/maps.h"
#include "runtime/ringbuf.h"

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IRReader/IRReader.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Target/TargetMachine.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>

using namespace obs;

namespace {

/// A script with its hand-built AST, types and map table.
struct Script {
  std::string text;
  ASTContext ast;
  SourceManager sm;
  uint32_t file = 0;
  std::deque<Type> types;
  std::map<std::string, MapInfo> maps;
  size_t cursor = 0; // where range() searches next

  explicit Script(std::string t) : text(std::move(t)) {
    file = sm.add("test.obs", text);
    ast.program.range = SourceRange{file, 0, uint32_t(text.size())};
  }
  /// The range of the next occurrence of `needle` (searching forward).
  SourceRange range(const std::string &needle) {
    size_t at = text.find(needle, cursor);
    if (at == std::string::npos)
      at = text.find(needle);
    if (at == std::string::npos)
      return SourceRange{file, 0, 0};
    cursor = at;
    return SourceRange{file, uint32_t(at), uint32_t(at + needle.size())};
  }
  const Type *ty(Type t) {
    types.push_back(std::move(t));
    return &types.back();
  }
  const Type *integer(unsigned bits, bool sgn) {
    Type t;
    t.kind = TypeKind::Integer;
    t.bits = bits;
    t.isSigned = sgn;
    return ty(t);
  }
  const Type *u64() { return integer(64, false); }
  const Type *i64() { return integer(64, true); }
  const Type *str(uint32_t n) {
    Type t;
    t.kind = TypeKind::String;
    t.size = n;
    return ty(t);
  }
  const Type *agg(AggregationKind k, const Type *v) {
    Type t;
    t.kind = TypeKind::Aggregation;
    t.aggregation = k;
    t.valueType = v;
    return ty(t);
  }
  const Type *tuple(std::vector<const Type *> e) {
    Type t;
    t.kind = TypeKind::Tuple;
    t.elements = std::move(e);
    return ty(t);
  }
  /// tracepoint:syscalls:sys_enter_openat's record (from its format file).
  const Type *openatArgs() {
    Type t;
    t.kind = TypeKind::Record;
    t.name = "args of syscalls:sys_enter_openat";
    t.size = 48;
    Type ptr;
    ptr.kind = TypeKind::Pointer;
    ptr.pointee = integer(8, true);
    t.fields = {{"__syscall_nr", integer(32, true), 8},
                {"dfd", i64(), 16},
                {"filename", ty(ptr), 24},
                {"flags", i64(), 32},
                {"mode", u64(), 40}};
    return ty(t);
  }

  Expr *e(const std::string &where, ExprNode n, const Type *t) {
    Expr *x = ast.expr(range(where), std::move(n));
    x->type = t;
    return x;
  }
  Expr *lit(uint64_t v) { return e(std::to_string(v), IntegerLit{v}, i64()); }
  Expr *strlit(const std::string &s) { return e("\"" + s, StringLit{s}, str(uint32_t(s.size() + 1))); }
  Expr *id(const std::string &n, const Type *t) { return e(n, Identifier{n}, t); }
  Expr *var(const std::string &n, const Type *t) { return e("$" + n, Variable{n}, t); }
  Expr *call(const std::string &n, std::vector<Expr *> args, const Type *t) {
    SourceRange r = range(n + "(");
    Expr *x = ast.expr(r, Call{n, r, std::move(args)});
    x->type = t;
    return x;
  }
  Expr *mapref(const std::string &n, std::vector<Expr *> keys, const Type *t) {
    return e(n, MapRef{n, std::move(keys)}, t);
  }
  Expr *bin(BinaryOp op, Expr *l, Expr *r, const Type *t) {
    Expr *x = ast.expr(l->range.to(r->range), Binary{op, l, r});
    x->type = t;
    return x;
  }
  Expr *args(const std::string &field, const Type *rec) {
    Expr *base = id("args", rec);
    const Type *ft = nullptr;
    for (const Field &f : rec->fields)
      if (f.name == field)
        ft = f.type;
    SourceRange fr = range(field);
    Expr *x = ast.expr(base->range.to(fr), FieldAccess{base, field, fr, false});
    x->type = ft;
    return x;
  }
  Stmt *assign(Expr *target, Expr *value, AssignOp op = AssignOp::Set) {
    return ast.stmt(target->range.to(value->range), Assign{target, op, value, nullptr});
  }
  Stmt *exprStmt(Expr *x) { return ast.stmt(x->range, ExprStmt{x}); }
  Block *block(std::vector<Stmt *> stmts) {
    Block *b = ast.make<Block>();
    b->stmts = std::move(stmts);
    if (!b->stmts.empty())
      b->range = b->stmts.front()->range.to(b->stmts.back()->range);
    return b;
  }
  Probe *probe(const std::string &text, ProbeKind kind, const std::string &target,
               const std::string &func, uint64_t value = 0) {
    AttachPoint *ap = ast.make<AttachPoint>();
    ap->range = range(text);
    ap->text = text;
    ap->kind = kind;
    ap->target = target;
    ap->func = func;
    ap->value = value;
    Probe *p = ast.make<Probe>();
    p->range = ap->range;
    p->points.push_back(ap);
    ast.program.probes.push_back(p);
    return p;
  }
  void map(const std::string &name, std::vector<const Type *> keys, const Type *value) {
    MapInfo &m = maps[name];
    m.name = name;
    m.keys = std::move(keys);
    m.value = value;
    m.firstUse = range(name);
    m.assigned = true;
  }
};

using CaseFn = std::function<void(Script &)>;
struct Case {
  const char *name;
  const char *text;
  CaseFn build;
};

const Type *countOf(Script &s) { return s.agg(AggregationKind::Count, nullptr); }

std::vector<Case> cases() {
  return {
      {"openat-pid", "tracepoint:syscalls:sys_enter_openat { @[pid] = count(); }\n",
       [](Script &s) {
         Probe *p = s.probe("tracepoint:syscalls:sys_enter_openat", ProbeKind::Tracepoint,
                            "syscalls", "sys_enter_openat");
         Expr *m = s.mapref("@", {s.id("pid", s.integer(32, false))}, countOf(s));
         p->body = s.block({s.assign(m, s.call("count", {}, countOf(s)))});
         s.map("@", {s.integer(32, false)}, countOf(s));
       }},
      {"keyless-count", "tracepoint:syscalls:sys_enter_openat { @ = count(); }\n",
       [](Script &s) {
         Probe *p = s.probe("tracepoint:syscalls:sys_enter_openat", ProbeKind::Tracepoint,
                            "syscalls", "sys_enter_openat");
         Expr *m = s.mapref("@", {}, countOf(s));
         p->body = s.block({s.assign(m, s.call("count", {}, countOf(s)))});
         s.map("@", {}, countOf(s));
       }},
      {"comm-count", "tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }\n",
       [](Script &s) {
         Probe *p = s.probe("tracepoint:syscalls:sys_enter_openat", ProbeKind::Tracepoint,
                            "syscalls", "sys_enter_openat");
         Expr *m = s.mapref("@", {s.id("comm", s.str(16))}, countOf(s));
         p->body = s.block({s.assign(m, s.call("count", {}, countOf(s)))});
         s.map("@", {s.str(16)}, countOf(s));
       }},
      {"aggregations",
       "tracepoint:syscalls:sys_enter_openat {\n"
       "  @c[comm] = count();\n"
       "  @s[pid] = sum(args.flags);\n"
       "  @mn = min(args.flags);\n"
       "  @mx = max(args.flags);\n"
       "  @a = avg(args.flags);\n"
       "  @st = stats(args.flags);\n"
       "  @h = hist(args.flags);\n"
       "  @l = lhist(args.mode, 0, 1000, 100);\n"
       "  @t[pid, comm] = count();\n"
       "}\n",
       [](Script &s) {
         Probe *p = s.probe("tracepoint:syscalls:sys_enter_openat", ProbeKind::Tracepoint,
                            "syscalls", "sys_enter_openat");
         const Type *rec = s.openatArgs();
         const Type *u32 = s.integer(32, false);
         auto agg = [&](const char *name, AggregationKind k, std::vector<Expr *> keys,
                        std::vector<const Type *> keyTypes, const char *fn,
                        std::vector<Expr *> args) {
           const Type *at = s.agg(k, args.empty() ? nullptr : args[0]->type);
           Expr *m = s.mapref(name, keys, at);
           Stmt *st = s.assign(m, s.call(fn, args, at));
           s.map(name, keyTypes, at);
           return st;
         };
         std::vector<Stmt *> body;
         body.push_back(agg("@c", AggregationKind::Count, {s.id("comm", s.str(16))}, {s.str(16)}, "count", {}));
         body.push_back(agg("@s", AggregationKind::Sum, {s.id("pid", u32)}, {u32}, "sum", {s.args("flags", rec)}));
         body.push_back(agg("@mn", AggregationKind::Min, {}, {}, "min", {s.args("flags", rec)}));
         body.push_back(agg("@mx", AggregationKind::Max, {}, {}, "max", {s.args("flags", rec)}));
         body.push_back(agg("@a", AggregationKind::Avg, {}, {}, "avg", {s.args("flags", rec)}));
         body.push_back(agg("@st", AggregationKind::Stats, {}, {}, "stats", {s.args("flags", rec)}));
         body.push_back(agg("@h", AggregationKind::Hist, {}, {}, "hist", {s.args("flags", rec)}));
         body.push_back(agg("@l", AggregationKind::Lhist, {}, {}, "lhist",
                            {s.args("mode", rec), s.lit(0), s.lit(1000), s.lit(100)}));
         body.push_back(agg("@t", AggregationKind::Count,
                            {s.id("pid", u32), s.id("comm", s.str(16))}, {u32, s.str(16)}, "count", {}));
         p->body = s.block(body);
       }},
      {"printf",
       "tracepoint:syscalls:sys_enter_openat /comm == \"cat\"/ {\n"
       "  printf(\"%s %d opened %s flags %d\\n\", comm, pid, str(args.filename), args.flags);\n"
       "}\n",
       [](Script &s) {
         Probe *p = s.probe("tracepoint:syscalls:sys_enter_openat", ProbeKind::Tracepoint,
                            "syscalls", "sys_enter_openat");
         const Type *rec = s.openatArgs();
         p->predicate = s.bin(BinaryOp::Eq, s.id("comm", s.str(16)), s.strlit("cat"), s.integer(1, false));
         Expr *fmt = s.strlit("%s %d opened %s flags %d\n");
         Expr *c = s.call("printf", {fmt, s.id("comm", s.str(16)), s.id("pid", s.integer(32, false)),
                                     s.call("str", {s.args("filename", rec)}, s.str(64)),
                                     s.args("flags", rec)},
                          s.ty(Type{}));
         p->body = s.block({s.exprStmt(c)});
       }},
      {"begin-exit", "BEGIN { printf(\"hello %d\\n\", 42); exit(); }\nEND { printf(\"bye\\n\"); }\n",
       [](Script &s) {
         Probe *p = s.probe("BEGIN", ProbeKind::Begin, "", "");
         Expr *c = s.call("printf", {s.strlit("hello %d\n"), s.lit(42)}, s.ty(Type{}));
         Expr *x = s.call("exit", {}, s.ty(Type{}));
         p->body = s.block({s.exprStmt(c), s.exprStmt(x)});
         Probe *q = s.probe("END", ProbeKind::End, "", "");
         q->body = s.block({s.exprStmt(s.call("printf", {s.strlit("bye\n")}, s.ty(Type{})))});
       }},
      {"vars-if",
       "tracepoint:syscalls:sys_enter_openat {\n"
       "  $f = args.flags;\n"
       "  if ($f > 0) { @pos = count(); } else { @zero = count(); }\n"
       "  $n = comm;\n"
       "  @names[$n] = count();\n"
       "  @last = $f * 2 + 1;\n"
       "  @q[pid] = $f / 3;\n"
       "}\n",
       [](Script &s) {
         Probe *p = s.probe("tracepoint:syscalls:sys_enter_openat", ProbeKind::Tracepoint,
                            "syscalls", "sys_enter_openat");
         const Type *rec = s.openatArgs();
         const Type *i64 = s.i64();
         Stmt *a1 = s.assign(s.var("f", i64), s.args("flags", rec));
         Expr *cond = s.bin(BinaryOp::Gt, s.var("f", i64), s.lit(0), s.integer(1, false));
         Block *thenB = s.block({s.assign(s.mapref("@pos", {}, countOf(s)), s.call("count", {}, countOf(s)))});
         Block *elseB = s.block({s.assign(s.mapref("@zero", {}, countOf(s)), s.call("count", {}, countOf(s)))});
         Stmt *elseS = s.ast.stmt(elseB->range, BlockStmt{elseB});
         Stmt *ifs = s.ast.stmt(cond->range, If{cond, thenB, elseS});
         Stmt *a2 = s.assign(s.var("n", s.str(16)), s.id("comm", s.str(16)));
         Stmt *a3 = s.assign(s.mapref("@names", {s.var("n", s.str(16))}, countOf(s)), s.call("count", {}, countOf(s)));
         Expr *arith = s.bin(BinaryOp::Add, s.bin(BinaryOp::Mul, s.var("f", i64), s.lit(2), i64), s.lit(1), i64);
         Stmt *a4 = s.assign(s.mapref("@last", {}, i64), arith);
         Stmt *a5 = s.assign(s.mapref("@q", {s.id("pid", s.integer(32, false))}, i64),
                             s.bin(BinaryOp::Div, s.var("f", i64), s.lit(3), i64));
         p->body = s.block({a1, ifs, a2, a3, a4, a5});
         s.map("@pos", {}, countOf(s));
         s.map("@zero", {}, countOf(s));
         s.map("@names", {s.str(16)}, countOf(s));
         s.map("@last", {}, i64);
         s.map("@q", {s.integer(32, false)}, i64);
       }},
      {"kprobe", "kprobe:do_sys_openat2 { @[comm, arg1] = count(); }\n",
       [](Script &s) {
         Probe *p = s.probe("kprobe:do_sys_openat2", ProbeKind::Kprobe, "", "do_sys_openat2");
         Expr *m = s.mapref("@", {s.id("comm", s.str(16)), s.id("arg1", s.u64())}, countOf(s));
         p->body = s.block({s.assign(m, s.call("count", {}, countOf(s)))});
         s.map("@", {s.str(16), s.u64()}, countOf(s));
       }},
      {"fentry", "fentry:do_sys_openat2 { @[pid] = count(); }\n",
       [](Script &s) {
         Probe *p = s.probe("fentry:do_sys_openat2", ProbeKind::Fentry, "", "do_sys_openat2");
         Expr *m = s.mapref("@", {s.id("pid", s.integer(32, false))}, countOf(s));
         p->body = s.block({s.assign(m, s.call("count", {}, countOf(s)))});
         s.map("@", {s.integer(32, false)}, countOf(s));
       }},
      {"rawtp", "rawtracepoint:sys_enter { @[arg1] = count(); }\n",
       [](Script &s) {
         Probe *p = s.probe("rawtracepoint:sys_enter", ProbeKind::RawTracepoint, "", "sys_enter");
         Expr *m = s.mapref("@", {s.id("arg1", s.u64())}, countOf(s));
         p->body = s.block({s.assign(m, s.call("count", {}, countOf(s)))});
         s.map("@", {s.u64()}, countOf(s));
       }},
      {"profile", "profile:hz:99 { @[cpu] = count(); }\ninterval:ms:100 { @ticks = count(); }\n",
       [](Script &s) {
         Probe *p = s.probe("profile:hz:99", ProbeKind::Profile, "hz", "", 99);
         Expr *m = s.mapref("@", {s.id("cpu", s.integer(32, false))}, countOf(s));
         p->body = s.block({s.assign(m, s.call("count", {}, countOf(s)))});
         s.map("@", {s.integer(32, false)}, countOf(s));
         Probe *q = s.probe("interval:ms:100", ProbeKind::Interval, "ms", "", 100);
         q->body = s.block({s.assign(s.mapref("@ticks", {}, countOf(s)), s.call("count", {}, countOf(s)))});
         s.map("@ticks", {}, countOf(s));
       }},
      // A record that lies about its layout: the verifier must refuse the
      // context access, and the error must point at line 3.
      {"bad-ctx",
       "tracepoint:syscalls:sys_enter_openat {\n"
       "  @x = count();\n"
       "  @y[pid] = args.bogus;\n"
       "}\n",
       [](Script &s) {
         Probe *p = s.probe("tracepoint:syscalls:sys_enter_openat", ProbeKind::Tracepoint,
                            "syscalls", "sys_enter_openat");
         Type t;
         t.kind = TypeKind::Record;
         t.name = "args of syscalls:sys_enter_openat";
         t.size = 8200;
         t.fields = {{"bogus", s.i64(), 8192}};
         const Type *rec = s.ty(t);
         Stmt *a = s.assign(s.mapref("@x", {}, countOf(s)), s.call("count", {}, countOf(s)));
         Stmt *b = s.assign(s.mapref("@y", {s.id("pid", s.integer(32, false))}, s.i64()),
                            s.args("bogus", rec));
         p->body = s.block({a, b});
         s.map("@x", {}, countOf(s));
         s.map("@y", {s.integer(32, false)}, s.i64());
       }},
      {"uprobe", "uprobe:/usr/bin/bash:main { @[comm] = count(); }\n",
       [](Script &s) {
         Probe *p = s.probe("uprobe:/usr/bin/bash:main", ProbeKind::Uprobe, "/usr/bin/bash", "main");
         Expr *m = s.mapref("@", {s.id("comm", s.str(16))}, countOf(s));
         p->body = s.block({s.assign(m, s.call("count", {}, countOf(s)))});
         s.map("@", {s.str(16)}, countOf(s));
       }},
  };
}

//===-- Running --------------------------------------------------------===//

volatile sig_atomic_t gStop = 0;

std::string renderKey(const std::vector<KeyPart> &key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    if (i)
      out += ", ";
    const KeyPart &k = key[i];
    switch (k.kind) {
    case KeyPart::Kind::Int: out += std::to_string(k.i); break;
    case KeyPart::Kind::Uint: out += std::to_string(k.u); break;
    case KeyPart::Kind::String: out += k.s; break;
    case KeyPart::Kind::Stack: out += "<stack>"; break;
    }
  }
  return out;
}

/// A plain dump for tests; the real printers are runtime/output.
void printDump(const MapDump &d, std::ostream &os) {
  for (const MapEntry &e : d.entries) {
    os << d.name;
    if (!e.key.empty())
      os << "[" << renderKey(e.key) << "]";
    os << ": ";
    const MapValue &v = e.value;
    switch (d.kind) {
    case MapValueKind::Plain:
      if (v.isString) os << v.str; else os << v.scalar;
      break;
    case MapValueKind::Count:
    case MapValueKind::Sum:
    case MapValueKind::Min:
    case MapValueKind::Max:
      os << v.scalar;
      break;
    case MapValueKind::Avg:
      os << (v.count ? v.total / int64_t(v.count) : 0);
      break;
    case MapValueKind::Stats:
      os << "count " << v.count << ", average " << (v.count ? v.total / int64_t(v.count) : 0)
         << ", total " << v.total;
      break;
    case MapValueKind::Hist:
    case MapValueKind::Lhist: {
      uint64_t total = 0;
      for (size_t i = 0; i < v.buckets.size(); ++i)
        if (v.buckets[i]) {
          os << " [" << i << "]=" << v.buckets[i];
          total += v.buckets[i];
        }
      os << " total=" << total;
      break;
    }
    }
    os << "\n";
  }
}

int runObject(contract::BpfObject obj, bool loadOnly, const std::string &cmd, int repeat,
              int durationMs) {
  Loader loader(std::move(obj));
  LoadError le;
  if (!loader.load(le)) {
    std::cerr << "error: " << le.render() << "\n";
    if (getenv("OBS_SHOW_LOG"))
      std::cerr << le.log;
    return 1;
  }
  std::cout << "loaded " << loader.spec().programs.size() << " program(s)\n";
  if (loadOnly)
    return 0;
  const auto &spec = loader.spec();
  bool exited = false;
  EventStream events;
  std::string err;
  auto handler = [&](const contract::EventHeader &h, const uint8_t *data, size_t size) {
    using EK = contract::EventKind;
    switch (EK(h.kind)) {
    case EK::Printf:
      if (h.id < spec.formats.size())
        std::cout << formatPrintf(spec.formats[h.id], data, size) << std::flush;
      break;
    case EK::Exit:
      exited = true;
      return false;
    case EK::Print:
      if (h.id < spec.maps.size()) {
        MapDump d;
        const contract::MapSpec &ms = spec.maps[h.id];
        if (readMap(loader.mapFd(ms.bpfName), ms, d, err, -1, nullptr,
                    ms.combineMap.empty() ? -1 : loader.mapFd(ms.combineMap)))
          printDump(d, std::cout);
      }
      break;
    default:
      break;
    }
    return true;
  };
  if (!events.open(loader.eventsFd(), loader.lostFd(), handler, err)) {
    std::cerr << "error: " << err << "\n";
    return 1;
  }
  if (!loader.runBegin(err)) {
    std::cerr << "error: " << err << "\n";
    return 1;
  }
  events.drain();
  if (!exited) {
    if (!loader.attach(err)) {
      std::cerr << "error: " << err << "\n";
      return 1;
    }
    std::cout << "attached " << loader.attachedCount() << " link(s)\n" << std::flush;
    for (int i = 0; i < repeat && !cmd.empty() && !exited; ++i) {
      if (std::system((cmd + " > /dev/null").c_str()) != 0)
        std::cerr << "warning: command failed\n";
      events.drain();
    }
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(durationMs);
    while (!exited && !gStop && std::chrono::steady_clock::now() < until)
      events.poll(50);
    events.drain();
  }
  loader.detach();
  if (!loader.runEnd(err))
    std::cerr << "error: " << err << "\n";
  events.drain();
  std::string rerr;
  for (const MapDump &d : readAllMaps(loader, rerr))
    printDump(d, std::cout);
  if (!rerr.empty())
    std::cerr << "error: " << rerr << "\n";
  // Every program and map this run created must be gone after close (the
  // kernel frees them after an RCU grace period, so allow a moment).
  std::vector<uint32_t> progIds, mapIds;
  bpf_program *prog;
  bpf_object__for_each_program(prog, loader.raw()) {
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0)
      progIds.push_back(info.id);
  }
  bpf_map *map;
  bpf_object__for_each_map(map, loader.raw()) {
    bpf_map_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len) == 0)
      mapIds.push_back(info.id);
  }
  uint64_t lost = events.lost();
  events.close();
  loader.close();
  size_t left = 0;
  for (int attempt = 0; attempt < 50; ++attempt) {
    left = 0;
    for (uint32_t id : progIds) {
      int fd = bpf_prog_get_fd_by_id(id);
      if (fd >= 0) {
        ++left;
        ::close(fd);
      }
    }
    for (uint32_t id : mapIds) {
      int fd = bpf_map_get_fd_by_id(id);
      if (fd >= 0) {
        ++left;
        ::close(fd);
      }
    }
    if (!left)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::cout << "lost events: " << lost << "\n";
  std::cout << "left in the kernel: " << left << " of " << progIds.size() << " program(s) and "
            << mapIds.size() << " map(s)\n";
  return left ? 1 : 0;
}

void printSpec(const contract::ObjectSpec &s) {
  for (const auto &p : s.programs)
    std::cout << "program " << p.name << " section=" << p.section << " probe=" << p.probe << "\n";
  for (const auto &m : s.maps) {
    std::cout << "map " << m.name << " bpf=" << m.bpfName << " kind=" << int(m.kind)
              << (m.perCpu ? " percpu" : "") << (m.isArray ? " array" : " hash")
              << " key=" << m.keySize << " value=" << m.valueSize << " entries=" << m.maxEntries;
    for (const auto &k : m.key)
      std::cout << " [" << int(k.kind) << "@" << k.offset << ":" << k.size << "]";
    std::cout << "\n";
  }
  for (size_t i = 0; i < s.formats.size(); ++i) {
    std::cout << "format " << i << " size=" << s.formats[i].recordSize;
    for (const auto &a : s.formats[i].args)
      std::cout << " [" << int(a.kind) << "@" << a.offset << ":" << a.size << "]";
    std::cout << "\n";
  }
}

int usage() {
  std::cerr << "usage: obs-codegen-test CASE [--dump=ir|bpf|spec] [--no-opt] [-o FILE]\n"
               "                        [--load | --run CMD [-n N] [--duration MS]]\n"
               "       obs-codegen-test --ir FILE.ll [-o FILE] [--load]\n"
               "       obs-codegen-test --list\n";
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  std::string caseName, dump, out, cmd, irFile;
  bool load = false, run = false, optimize = true;
  int repeat = 1, durationMs = 200;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--list") {
      for (const Case &c : cases())
        std::cout << c.name << "\n";
      return 0;
    } else if (a.rfind("--dump=", 0) == 0) dump = a.substr(7);
    else if (a == "--no-opt") optimize = false;
    else if (a == "-o") out = next();
    else if (a == "--load") load = true;
    else if (a == "--run") { run = true; cmd = next(); }
    else if (a == "-n") repeat = std::atoi(next().c_str());
    else if (a == "--duration") durationMs = std::atoi(next().c_str());
    else if (a == "--ir") irFile = next();
    else if (a[0] == '-') return usage();
    else caseName = a;
  }
  signal(SIGINT, [](int) { gStop = 1; });

  std::optional<contract::BpfObject> obj;
  if (!irFile.empty()) {
    std::string error;
    auto tm = createBpfTargetMachine(hostBpfCpu(), error);
    if (!tm) {
      std::cerr << "error: " << error << "\n";
      return 1;
    }
    llvm::LLVMContext ctx;
    llvm::SMDiagnostic diag;
    auto m = llvm::parseIRFile(irFile, diag, ctx);
    if (!m) {
      diag.print("obs-codegen-test", llvm::errs());
      return 1;
    }
    prepareBpfModule(*m, *tm);
    if (optimize)
      optimizeBpfModule(*m, *tm);
    contract::BpfObject o;
    if (!emitBpfObject(*m, *tm, o.elf, error)) {
      std::cerr << "error: " << error << "\n";
      return 1;
    }
    // Programs: every function with a section (attach is not supported here).
    for (llvm::Function &f : *m)
      if (f.hasSection()) {
        contract::ProgramSpec p;
        p.name = f.getName().str();
        p.section = f.getSection().str();
        p.probe = p.section;
        p.kind = contract::AttachKind::Begin;
        o.spec.programs.push_back(p);
      }
    obj = std::move(o);
  } else {
    const Case *found = nullptr;
    static std::vector<Case> all = cases();
    for (const Case &c : all)
      if (caseName == c.name)
        found = &c;
    if (!found)
      return usage();
    Script s(found->text);
    found->build(s);
    Diagnostics diags;
    CodegenInput in{s.ast.program, s.maps, s.sm};
    CodegenOptions opts;
    opts.optimize = optimize;
    std::string ir, bpf;
    CodegenDumps dumps;
    if (dump == "ir")
      dumps.ir = &ir;
    if (dump == "bpf")
      dumps.bpf = &bpf;
    obj = compileToBpf(in, diags, opts, dumps);
    if (diags.hasErrors() || !obj) {
      diags.print(std::cerr, s.sm);
      return 1;
    }
    std::cout << ir << bpf;
    if (dump == "spec")
      printSpec(obj->spec);
  }
  if (!out.empty()) {
    std::ofstream f(out, std::ios::binary);
    f.write(obj->elf.data(), std::streamsize(obj->elf.size()));
  }
  if (load || run)
    return runObject(std::move(*obj), load && !run, cmd, repeat, durationMs);
  return 0;
}
