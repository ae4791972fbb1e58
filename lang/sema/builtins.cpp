//===- builtins.cpp - descriptors of builtin variables and functions ------===//
#include "lang/sema/builtins.h"

#include "lang/sema/format_check.h"
#include "lang/sema/units.h"

#include <algorithm>
#include <cstring>

namespace obs {
namespace {

constexpr ProbeMask bit(ProbeKind k) { return probeBit(k); }
constexpr ProbeMask kFuncProbes =
    bit(ProbeKind::Kprobe) | bit(ProbeKind::Kretprobe) | bit(ProbeKind::Uprobe) |
    bit(ProbeKind::Uretprobe) | bit(ProbeKind::Fentry) | bit(ProbeKind::Fexit);
constexpr ProbeMask kReturnProbes =
    bit(ProbeKind::Kretprobe) | bit(ProbeKind::Uretprobe) | bit(ProbeKind::Fexit);
constexpr ProbeMask kStackProbes =
    kAllProbes & ~(bit(ProbeKind::Begin) | bit(ProbeKind::End));
constexpr ProbeMask kArgsProbes =
    bit(ProbeKind::Tracepoint) | bit(ProbeKind::Fentry) | bit(ProbeKind::Fexit) |
    bit(ProbeKind::RawTracepoint);

const BuiltinVariable kVariables[] = {
    {"pid", kAllProbes, true, "process id (tgid) of the current task"},
    {"tid", kAllProbes, true, "thread id of the current task"},
    {"ppid", kAllProbes, true, "process id of the parent"},
    {"uid", kAllProbes, true, "user id"},
    {"gid", kAllProbes, true, "group id"},
    {"comm", kAllProbes, true, "name of the current task"},
    {"nsecs", kAllProbes, false, "monotonic time in nanoseconds"},
    {"elapsed", kAllProbes, false, "nanoseconds since obsc started"},
    {"cpu", kAllProbes, true, "current CPU"},
    {"cgroup", kAllProbes, true, "cgroup v2 id of the current task"},
    {"kstack", kStackProbes, true, "kernel stack"},
    {"ustack", kStackProbes, true, "user stack"},
    {"args", kArgsProbes, false, "arguments of the probe"},
    {"retval", kReturnProbes, false, "return value of the function"},
    {"func", kFuncProbes, false, "name of the traced function"},
    {"probe", kAllProbes, false, "name of the probe that fired"},
    {"curtask", kAllProbes, false, "the current task_struct"},
    {"rand", kAllProbes, false, "a random 32-bit number"},
    {"username", kAllProbes, true, "the name of the current user"},
};

//===-- Argument helpers ------------------------------------------------===//

std::string ordinal(size_t i) { return std::to_string(i + 1); }

bool expectInteger(CallSite &s, size_t i, const char *what = "an integer") {
  const Type *t = s.args[i];
  if (t && (t->isInteger() || t->isPointer()))
    return true;
  if (t)
    s.ctx.diags.report(DiagKind::bad_arg_type, s.node.args[i]->range,
                       {ordinal(i), s.node.name, what, t->str()});
  return false;
}
bool expectNumeric(CallSite &s, size_t i) {
  const Type *t = s.args[i];
  if (t && (t->isNumeric()))
    return true;
  if (t)
    s.ctx.diags.report(DiagKind::bad_arg_type, s.node.args[i]->range,
                       {ordinal(i), s.node.name, "a number", t->str()});
  return false;
}
bool expectString(CallSite &s, size_t i) {
  const Type *t = s.args[i];
  if (t && t->isString())
    return true;
  if (t)
    s.ctx.diags.report(DiagKind::bad_arg_type, s.node.args[i]->range,
                       {ordinal(i), s.node.name, "a string", t->str()});
  return false;
}
bool expectStringLiteral(CallSite &s, size_t i) {
  if (s.node.args[i]->is<StringLit>())
    return true;
  s.ctx.diags.report(DiagKind::bad_arg_type, s.node.args[i]->range,
                     {ordinal(i), s.node.name, "a string literal",
                      s.args[i] ? s.args[i]->str() : "an expression"});
  return false;
}
bool expectMap(CallSite &s, size_t i) {
  if (s.node.args[i]->is<MapRef>())
    return true;
  s.ctx.diags.report(DiagKind::bad_arg_type, s.node.args[i]->range,
                     {ordinal(i), s.node.name, "a map, like @m",
                      s.args[i] ? s.args[i]->str() : "an expression"});
  return false;
}
/// The value of a constant integer argument, or nullopt (and a report).
std::optional<int64_t> constantArg(CallSite &s, size_t i) {
  if (auto v = evaluateConstant(s.ctx, s.node.args[i]))
    if (v->quantity.base == Quantity::Plain || v->quantity.base == Quantity::Count)
      return toInt64(v->value);
  s.ctx.diags.report(DiagKind::not_constant, s.node.args[i]->range,
                     {"argument " + ordinal(i) + " of '" + s.node.name + "'"});
  return std::nullopt;
}
Quantity quantityOf(const Type *t) { return t ? t->quantity : Quantity{}; }

//===-- Functions -------------------------------------------------------===//

const Type *checkPrintf(CallSite &s) {
  if (!expectStringLiteral(s, 0))
    return s.ctx.types.voidType();
  checkFormat(s.ctx, s.node, s.args, 1);
  return s.ctx.types.voidType();
}
const Type *checkTime(CallSite &s) {
  if (!s.args.empty())
    expectStringLiteral(s, 0);
  return s.ctx.types.voidType();
}
const Type *checkStrftime(CallSite &s) {
  expectStringLiteral(s, 0);
  expectInteger(s, 1);
  return s.ctx.types.timestamp();
}
const Type *checkExit(CallSite &s) {
  if (!s.args.empty())
    expectInteger(s, 0);
  return s.ctx.types.voidType();
}
const Type *checkStr(CallSite &s) {
  const Type *t = s.args[0];
  if (t && !t->isString() && !t->isInteger() && !t->isPointer() &&
      t->kind != TypeKind::Array)
    s.ctx.diags.report(DiagKind::bad_arg_type, s.node.args[0]->range,
                       {"1", "str", "a pointer or a string", t->str()});
  uint32_t size = 64;
  if (s.args.size() > 1) {
    expectInteger(s, 1);
    if (auto v = evaluateConstant(s.ctx, s.node.args[1]))
      size = v->value > 0 && v->value <= 1024 ? static_cast<uint32_t>(v->value) : 1024;
    else
      size = 1024;
  }
  return s.ctx.types.string(size);
}
const Type *checkBuf(CallSite &s) {
  uint32_t size = 64;
  const Type *src = s.args[0];
  if (s.args.size() == 1 && src && src->kind == TypeKind::Array && src->storageSize())
    size = std::min<uint32_t>(src->storageSize(), 1024); // buf(array): all of it
  if (s.args.size() > 1) {
    expectInteger(s, 1);
    if (auto v = evaluateConstant(s.ctx, s.node.args[1]))
      size = v->value > 0 && v->value <= 1024 ? static_cast<uint32_t>(v->value) : 1024;
  }
  return s.ctx.types.buffer(size);
}
const Type *checkJoin(CallSite &s) {
  expectInteger(s, 0, "a pointer to an array of strings");
  if (s.args.size() > 1)
    expectStringLiteral(s, 1);
  return s.ctx.types.voidType();
}
const Type *checkKsym(CallSite &s) {
  expectInteger(s, 0, "an address");
  return s.ctx.types.symbol(false);
}
const Type *checkUsym(CallSite &s) {
  expectInteger(s, 0, "an address");
  return s.ctx.types.symbol(true);
}
const Type *checkKaddr(CallSite &s) {
  expectStringLiteral(s, 0);
  return s.ctx.types.u64();
}
const Type *checkNtop(CallSite &s) {
  for (size_t i = 0; i < s.args.size(); ++i)
    if (s.args[i] && !s.args[i]->isInteger() && s.args[i]->kind != TypeKind::Array &&
        !s.args[i]->isPointer())
      expectInteger(s, i, "an address or an address family");
  return s.ctx.types.inet();
}
const Type *checkCat(CallSite &s) {
  if (expectStringLiteral(s, 0))
    checkFormat(s.ctx, s.node, s.args, 1);
  return s.ctx.types.voidType();
}
const Type *checkSystem(CallSite &s) { return checkPrintf(s); }
const Type *checkSignal(CallSite &s) {
  if (s.args[0] && !s.args[0]->isString())
    expectInteger(s, 0, "a signal number or name");
  // bpf_send_signal signals the current task: BEGIN and END run in obsc.
  if (s.probeKinds & (bit(ProbeKind::Begin) | bit(ProbeKind::End)))
    s.ctx.diags.report(DiagKind::builtin_not_here, s.node.nameRange,
                       {s.node.name, s.probeKinds & bit(ProbeKind::Begin) ? "BEGIN" : "END"});
  return s.ctx.types.voidType();
}
const Type *checkStrncmp(CallSite &s) {
  expectString(s, 0);
  expectString(s, 1);
  expectInteger(s, 2);
  return s.ctx.types.integer(64, true);
}
const Type *checkStack(CallSite &s) {
  uint32_t frames = 127;
  if (s.probeKinds & (bit(ProbeKind::Begin) | bit(ProbeKind::End)))
    s.ctx.diags.report(DiagKind::builtin_not_here, s.node.nameRange,
                       {s.node.name, s.probeKinds & bit(ProbeKind::Begin) ? "BEGIN" : "END"});
  for (size_t i = 0; i < s.node.args.size(); ++i) {
    Expr *a = s.node.args[i];
    if (auto *id = a->as<Identifier>()) {
      if (id->name != "perf" && id->name != "bpftrace" && id->name != "raw")
        s.ctx.diags.report(DiagKind::bad_arg_type, a->range,
                           {ordinal(i), s.node.name, "a stack mode (perf, bpftrace, raw) or a frame count", "'" + id->name + "'"});
      continue;
    }
    if (auto v = constantArg(s, i)) {
      if (*v < 1 || *v > 127)
        s.ctx.diags.report(DiagKind::bad_arg_type, a->range,
                           {ordinal(i), s.node.name, "a frame count from 1 to 127",
                            std::to_string(*v)});
      else
        frames = static_cast<uint32_t>(*v);
    }
  }
  return s.ctx.types.stack(std::strcmp(s.node.name.c_str(), "ustack") == 0, frames);
}
const Type *checkSummary(CallSite &s) {
  if (!s.inAlert) {
    s.ctx.diags.report(DiagKind::builtin_not_here, s.node.nameRange, {"summary", "probe"})
        .hint("summary() describes an alert; use it inside 'alert NAME when ... { }'");
    return s.ctx.types.voidType();
  }
  return checkPrintf(s);
}

//===-- Map operations --------------------------------------------------===//

const Type *checkMapOp(CallSite &s) {
  expectMap(s, 0);
  if (s.node.name == "print" && s.args.size() > 1)
    for (size_t i = 1; i < s.args.size(); ++i)
      constantArg(s, i);
  return s.ctx.types.voidType();
}
const Type *checkPrint(CallSite &s) {
  if (auto *m = s.node.args[0]->as<MapRef>()) {
    if (!m->keys.empty()) // bpftrace 0.17 refuses it too
      s.ctx.diags.report(DiagKind::type_mismatch, s.node.args[0]->range,
                         {"the map passed to print() should not be indexed by a key"})
          .hint("print(@" + m->name + ") prints every key");
    return checkMapOp(s);
  }
  if (s.args.size() > 1)
    s.ctx.diags.report(DiagKind::wrong_arg_count, s.call.range,
                       {"print", "1", "", std::to_string(s.args.size()), "were"})
        .note("only print(@map, top, div) takes more than one argument");
  return s.ctx.types.voidType();
}
const Type *checkDelete(CallSite &s) {
  expectMap(s, 0);
  return s.ctx.types.voidType();
}
const Type *checkHasKey(CallSite &s) {
  expectMap(s, 0);
  return s.ctx.types.integer(8, false);
}
const Type *checkLen(CallSite &s) {
  expectMap(s, 0);
  return s.ctx.types.u64();
}

//===-- Aggregations and window functions --------------------------------===//
// These return the map's value type: an Aggregation whose quantity is the
// dimension of the value a window yields (read by alerts).

TypeTable &T(CallSite &s) { return s.ctx.types; }

const Type *checkCount(CallSite &s) {
  return T(s).aggregation(AggregationKind::Count, nullptr, Quantity{Quantity::Count, false});
}
template <AggregationKind K> const Type *checkValueAgg(CallSite &s) {
  expectNumeric(s, 0);
  return T(s).aggregation(K, s.args[0], quantityOf(s.args[0]));
}
const Type *checkLhist(CallSite &s) {
  expectNumeric(s, 0);
  for (size_t i = 1; i < 4; ++i)
    constantArg(s, i);
  if (auto mn = evaluateConstant(s.ctx, s.node.args[1]))
    if (auto mx = evaluateConstant(s.ctx, s.node.args[2]))
      if (auto st = evaluateConstant(s.ctx, s.node.args[3])) {
        if (mx->value <= mn->value)
          s.ctx.diags.report(DiagKind::type_mismatch, s.node.args[2]->range,
                             {"the maximum of lhist() must be greater than its minimum"});
        else if (st->value <= 0)
          s.ctx.diags.report(DiagKind::type_mismatch, s.node.args[3]->range,
                             {"the step of lhist() must be positive"});
        else if ((mx->value - mn->value) / st->value > 1000)
          s.ctx.diags.report(DiagKind::type_mismatch, s.node.args[3]->range,
                             {"lhist() would have more than 1000 buckets; use a larger step"});
      }
  return T(s).aggregation(AggregationKind::Lhist, s.args[0], quantityOf(s.args[0]));
}
const Type *checkRate(CallSite &s) {
  Quantity q{Quantity::Count, true};
  if (!s.args.empty()) {
    expectNumeric(s, 0);
    q = quantityOf(s.args[0]);
    if (q.perSecond)
      s.ctx.diags.report(DiagKind::unit_expected, s.node.args[0]->range,
                         {"the argument of rate()", "a count, a size or a plain number",
                          q.describe()});
    q.perSecond = true;
  }
  return T(s).aggregation(AggregationKind::Rate, s.args.empty() ? nullptr : s.args[0], q);
}
const Type *checkSlope(CallSite &s) {
  const Type *t = s.args[0];
  if (t && !t->isNumeric()) {
    s.ctx.diags.report(DiagKind::bad_arg_type, s.node.args[0]->range,
                       {"1", s.node.name, "a number", t->str()})
        .note("slope() fits a line to numeric samples over event time");
    return T(s).aggregation(AggregationKind::Slope, nullptr, {});
  }
  Quantity q = quantityOf(t);
  q.perSecond = true;
  return T(s).aggregation(AggregationKind::Slope, t, q);
}
const Type *checkR2(CallSite &s) {
  expectNumeric(s, 0);
  return T(s).aggregation(AggregationKind::R2, s.args[0], Quantity{});
}
const Type *checkPredict(CallSite &s) {
  expectNumeric(s, 0);
  if (auto v = evaluateConstant(s.ctx, s.node.args[1])) {
    if (v->quantity.base != Quantity::Duration && v->quantity.base != Quantity::Plain)
      s.ctx.diags.report(DiagKind::unit_expected, s.node.args[1]->range,
                         {"the horizon of predict()", "a duration", v->quantity.describe()});
  } else {
    s.ctx.diags.report(DiagKind::not_constant, s.node.args[1]->range,
                       {"the horizon of predict()"});
  }
  return T(s).aggregation(AggregationKind::Predict, s.args[0], quantityOf(s.args[0]));
}
const Type *checkQuantile(CallSite &s) {
  expectNumeric(s, 0);
  if (auto v = evaluateConstant(s.ctx, s.node.args[1])) {
    if (!(v->value >= 0 && v->value <= 1))
      s.ctx.diags.report(DiagKind::type_mismatch, s.node.args[1]->range,
                         {"the quantile must be between 0 and 1, as in 0.99"});
  } else {
    s.ctx.diags.report(DiagKind::not_constant, s.node.args[1]->range,
                       {"the quantile of quantile()"});
  }
  return T(s).aggregation(AggregationKind::Quantile, s.args[0], quantityOf(s.args[0]));
}

using FK = FunctionKind;
const FunctionDescriptor kFunctions[] = {
    {"printf", FK::Function, 1, 33, false, checkPrintf},
    {"time", FK::Function, 0, 1, false, checkTime},
    {"strftime", FK::Function, 2, 2, false, checkStrftime},
    {"exit", FK::Function, 0, 1, false, checkExit},
    {"str", FK::Function, 1, 2, false, checkStr},
    {"buf", FK::Function, 1, 2, false, checkBuf},
    {"join", FK::Function, 1, 2, false, checkJoin},
    {"ksym", FK::Function, 1, 1, false, checkKsym},
    {"usym", FK::Function, 1, 1, false, checkUsym},
    {"kaddr", FK::Function, 1, 1, false, checkKaddr},
    {"ntop", FK::Function, 1, 2, false, checkNtop},
    {"cat", FK::Function, 1, 33, false, checkCat},
    {"system", FK::Function, 1, 33, true, checkSystem},
    {"signal", FK::Function, 1, 1, true, checkSignal},
    {"strncmp", FK::Function, 3, 3, false, checkStrncmp},
    {"kstack", FK::Function, 0, 2, false, checkStack},
    {"ustack", FK::Function, 0, 2, false, checkStack},
    {"summary", FK::Function, 1, 33, false, checkSummary},
    {"print", FK::MapOperation, 1, 3, false, checkPrint},
    {"clear", FK::MapOperation, 1, 1, false, checkMapOp},
    {"zero", FK::MapOperation, 1, 1, false, checkMapOp},
    {"delete", FK::MapOperation, 1, 2, false, checkDelete},
    {"has_key", FK::MapOperation, 2, 2, false, checkHasKey},
    {"len", FK::MapOperation, 1, 1, false, checkLen},
    {"count", FK::Aggregation, 0, 0, false, checkCount},
    {"sum", FK::Aggregation, 1, 1, false, checkValueAgg<AggregationKind::Sum>},
    {"avg", FK::Aggregation, 1, 1, false, checkValueAgg<AggregationKind::Avg>},
    {"min", FK::Aggregation, 1, 1, false, checkValueAgg<AggregationKind::Min>},
    {"max", FK::Aggregation, 1, 1, false, checkValueAgg<AggregationKind::Max>},
    {"stats", FK::Aggregation, 1, 1, false, checkValueAgg<AggregationKind::Stats>},
    {"hist", FK::Aggregation, 1, 1, false, checkValueAgg<AggregationKind::Hist>},
    {"lhist", FK::Aggregation, 4, 4, false, checkLhist},
    {"rate", FK::WindowFunction, 0, 1, false, checkRate},
    {"slope", FK::WindowFunction, 1, 1, false, checkSlope},
    {"r2", FK::WindowFunction, 1, 1, false, checkR2},
    {"predict", FK::WindowFunction, 2, 2, false, checkPredict},
    {"quantile", FK::WindowFunction, 2, 2, false, checkQuantile},
};

} // namespace

const BuiltinVariable *findBuiltinVariable(const std::string &name) {
  for (const BuiltinVariable &v : kVariables)
    if (name == v.name)
      return &v;
  return nullptr;
}

const FunctionDescriptor *findFunction(const std::string &name) {
  for (const FunctionDescriptor &f : kFunctions)
    if (name == f.name)
      return &f;
  return nullptr;
}

std::vector<std::string> builtinVariableNames() {
  std::vector<std::string> out;
  for (const BuiltinVariable &v : kVariables)
    out.push_back(v.name);
  return out;
}

std::vector<std::string> functionNames() {
  std::vector<std::string> out;
  for (const FunctionDescriptor &f : kFunctions)
    out.push_back(f.name);
  return out;
}

int argIndex(const std::string &name) {
  if (name.size() < 4 || name.compare(0, 3, "arg") != 0)
    return -1;
  int n = 0;
  for (size_t i = 3; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9')
      return -1;
    n = n * 10 + (name[i] - '0');
    if (n > 15)
      return -1;
  }
  return n;
}

std::string describeProbeKinds(ProbeMask mask) {
  std::string out;
  for (unsigned k = 0; k <= static_cast<unsigned>(ProbeKind::Hardware); ++k)
    if (mask & (1u << k)) {
      if (!out.empty())
        out += ", ";
      out += probeKindName(static_cast<ProbeKind>(k));
    }
  return out;
}

} // namespace obs
