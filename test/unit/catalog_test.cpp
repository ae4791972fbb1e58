//===- catalog_test.cpp - ProbeCatalog on the hermetic inputs -------------===//
//
// Uses test/lit/Inputs (tracefs tree, mini_vmlinux.o, usdt_sample) so that
// the results do not depend on this machine's kernel; a few tests at the end
// look at the real machine and skip when it lacks what they need.
//
//===----------------------------------------------------------------------===//
#include "lang/sema/catalog/catalog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

using namespace obs;

namespace {

/// The checked-in inputs: $OBS_TEST_INPUTS, else the source tree's.
std::string sourceInputs() {
  if (const char *e = std::getenv("OBS_TEST_INPUTS"))
    return e;
  return std::string(OBS_SOURCE_DIR) + "/test/lit/Inputs";
}

/// The built inputs (mini_vmlinux.o, usdt_sample): $OBS_TEST_BUILT_INPUTS,
/// else the build's (test/CMakeLists.txt defines OBS_TEST_INPUTS to it).
std::string builtInputs() {
  if (const char *e = std::getenv("OBS_TEST_BUILT_INPUTS"))
    return e;
#ifdef OBS_TEST_INPUTS
  return OBS_TEST_INPUTS;
#else
  return std::string(OBS_BINARY_DIR) + "/test/lit/Inputs";
#endif
}

bool exists(const std::string &p) { return ::access(p.c_str(), R_OK) == 0; }

CatalogOptions hermetic() {
  CatalogOptions o;
  o.tracefsDir = sourceInputs() + "/tracefs";
  o.btfPath = builtInputs() + "/mini_vmlinux.o";
  o.kallsymsPath = sourceInputs() + "/kallsyms";
  return o;
}

class Hermetic : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(exists(hermetic().btfPath))
        << hermetic().btfPath << " is missing: build the test_inputs target";
  }
  TypeTable types;
  ProbeCatalog cat{types, hermetic()};
  std::string err;
};

std::vector<std::string> names(const std::vector<TracepointName> &v) {
  std::vector<std::string> out;
  for (auto &t : v)
    out.push_back(t.category + ":" + t.event);
  return out;
}

} // namespace

//===-- wildcards ---------------------------------------------------------===//

TEST(Wildcard, Match) {
  EXPECT_TRUE(wildcardMatch("sys_enter_*", "sys_enter_openat"));
  EXPECT_TRUE(wildcardMatch("sys_enter_*", "sys_enter_"));
  EXPECT_FALSE(wildcardMatch("sys_enter_*", "sys_exit_openat"));
  EXPECT_TRUE(wildcardMatch("*", ""));
  EXPECT_TRUE(wildcardMatch("*open*", "do_sys_openat2"));
  EXPECT_TRUE(wildcardMatch("vfs_?ead", "vfs_read"));
  EXPECT_FALSE(wildcardMatch("vfs_?ead", "vfs_rread"));
  EXPECT_TRUE(wildcardMatch("vfs_[rw]*", "vfs_write"));
  EXPECT_FALSE(wildcardMatch("vfs_[!rw]*", "vfs_write"));
  EXPECT_TRUE(wildcardMatch("vfs_[^rw]*", "vfs_open"));
  EXPECT_TRUE(wildcardMatch("sys_[a-f]*", "sys_exit"));
  EXPECT_FALSE(wildcardMatch("sys_[a-d]*", "sys_exit"));
  EXPECT_TRUE(wildcardMatch("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(wildcardMatch("a*b*c", "aXbYbZ"));
  EXPECT_TRUE(wildcardMatch("x[", "x[")); // unclosed bracket is literal
  EXPECT_FALSE(wildcardMatch("read", "readline"));
  EXPECT_TRUE(hasWildcard("read*"));
  EXPECT_FALSE(hasWildcard("/bin/bash"));
}

//===-- tracepoints -------------------------------------------------------===//

TEST_F(Hermetic, TracepointListing) {
  auto cats = cat.tracepointCategories();
  EXPECT_TRUE(std::binary_search(cats.begin(), cats.end(), "syscalls"));
  EXPECT_TRUE(std::binary_search(cats.begin(), cats.end(), "sched"));
  auto ev = cat.tracepointEvents("sched");
  EXPECT_TRUE(std::binary_search(ev.begin(), ev.end(), "sched_process_fork"));
  EXPECT_TRUE(cat.tracepointEvents("nosuch").empty());
  EXPECT_TRUE(cat.hasTracepoint("syscalls", "sys_enter_openat"));
  EXPECT_FALSE(cat.hasTracepoint("syscalls", "sys_enter_nosuch"));
  EXPECT_FALSE(cat.hasTracepoint("..", "x"));
}

TEST_F(Hermetic, TracepointWildcards) {
  auto all = names(cat.matchTracepoints("syscalls", "sys_enter_*"));
  EXPECT_EQ(all.size(), 14u);
  EXPECT_EQ(all.front(), "syscalls:sys_enter_accept4");
  auto opens = names(cat.matchTracepoints("syscalls", "sys_*_open*"));
  EXPECT_EQ(opens, (std::vector<std::string>{
                       "syscalls:sys_enter_open", "syscalls:sys_enter_openat",
                       "syscalls:sys_exit_open", "syscalls:sys_exit_openat"}));
  auto acrossCats = names(cat.matchTracepoints("*", "sched_wakeup*"));
  EXPECT_EQ(acrossCats, (std::vector<std::string>{"sched:sched_wakeup",
                                                  "sched:sched_wakeup_new"}));
  EXPECT_EQ(names(cat.matchTracepoints("sched", "sched_switch")),
            std::vector<std::string>{"sched:sched_switch"});
  EXPECT_TRUE(cat.matchTracepoints("sched", "nosuch").empty());
}

TEST_F(Hermetic, TracepointArgsScalarsAndPointers) {
  const Type *t = cat.tracepointArgs("syscalls", "sys_enter_openat", err);
  ASSERT_NE(t, nullptr) << err;
  EXPECT_EQ(t->name, "args of syscalls:sys_enter_openat");
  EXPECT_EQ(t->size, 48u);
  EXPECT_EQ(t->field("common_pid"), nullptr); // hidden, as in bpftrace
  const Field *nr = t->field("__syscall_nr");
  ASSERT_NE(nr, nullptr);
  EXPECT_EQ(nr->type, types.integer(32, true));
  const Field *fn = t->field("filename");
  ASSERT_NE(fn, nullptr);
  EXPECT_EQ(fn->offset, 24u);
  EXPECT_EQ(fn->type, types.pointer(types.integer(8, true)));
  // `int dfd` with size:8 signed:0: the format's size and sign win.
  EXPECT_EQ(t->field("dfd")->type, types.u64());
  // Cached: the same record.
  EXPECT_EQ(cat.tracepointArgs("syscalls", "sys_enter_openat", err), t);
}

TEST_F(Hermetic, TracepointArgsStrings) {
  const Type *sw = cat.tracepointArgs("sched", "sched_switch", err);
  ASSERT_NE(sw, nullptr) << err;
  EXPECT_EQ(sw->field("prev_comm")->type, types.string(16));
  EXPECT_EQ(sw->field("next_pid")->type, types.integer(32, true));
  const Type *exec = cat.tracepointArgs("sched", "sched_process_exec", err);
  ASSERT_NE(exec, nullptr) << err;
  const Field *fn = exec->field("filename");
  ASSERT_NE(fn, nullptr);
  EXPECT_EQ(fn->type, types.string(0)); // __data_loc char[]: dynamic
  EXPECT_EQ(fn->offset, 8u);
  const Type *fork = cat.tracepointArgs("sched", "sched_process_fork", err);
  ASSERT_NE(fork, nullptr) << err;
  ASSERT_NE(fork->field("parent_pid"), nullptr);
  EXPECT_EQ(fork->field("parent_pid")->type, types.integer(32, true));
}

TEST_F(Hermetic, TracepointArgsArrays) {
  const Type *t = cat.tracepointArgs("sock", "inet_sock_set_state", err);
  ASSERT_NE(t, nullptr) << err;
  EXPECT_EQ(t->field("saddr")->type, types.array(types.integer(8, false), 4));
  EXPECT_EQ(t->field("saddr_v6")->type,
            types.array(types.integer(8, false), 16));
  EXPECT_EQ(t->field("skaddr")->type->kind, TypeKind::Pointer);
}

TEST_F(Hermetic, EveryCheckedInFormatParses) {
  std::ifstream in(hermetic().tracefsDir + "/available_events");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    const Type *t =
        cat.tracepointArgs(line.substr(0, colon), line.substr(colon + 1), err);
    EXPECT_NE(t, nullptr) << line << ": " << err;
    if (t) {
      EXPECT_GT(t->size, 8u) << line;
    }
    ++n;
  }
  EXPECT_GT(n, 60);
}

TEST_F(Hermetic, MissingTracepoint) {
  EXPECT_EQ(cat.tracepointArgs("sched", "nosuch", err), nullptr);
  EXPECT_NE(err.find("does not exist"), std::string::npos);
}

TEST(Catalog, NoTracefs) {
  TypeTable types;
  CatalogOptions o;
  o.tracefsDir = "/nonexistent";
  ProbeCatalog cat(types, o);
  std::string err;
  EXPECT_EQ(cat.tracefsDir(), "");
  EXPECT_TRUE(cat.tracepointCategories().empty());
  EXPECT_EQ(cat.tracepointArgs("sched", "sched_switch", err), nullptr);
  EXPECT_FALSE(err.empty());
}

//===-- BTF ---------------------------------------------------------------===//

TEST_F(Hermetic, BtfLoadsFromElf) {
  EXPECT_TRUE(cat.hasBtf()) << cat.btfError();
}

TEST_F(Hermetic, BtfTaskStruct) {
  const Type *t = cat.btfType("struct task_struct");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->isRecord());
  EXPECT_EQ(t->name, "struct task_struct");
  EXPECT_GT(t->size, 0u);
  EXPECT_EQ(t->field("pid")->type, types.integer(32, true)); // pid_t resolved
  EXPECT_EQ(t->field("comm")->type, types.string(16));
  const Field *parent = t->field("real_parent");
  ASSERT_NE(parent, nullptr);
  EXPECT_EQ(parent->type, types.pointer(t)); // cycle: the same record
  const Field *mm = t->field("mm");
  ASSERT_NE(mm, nullptr);
  ASSERT_TRUE(mm->type->isPointer());
  const Type *mmStruct = mm->type->pointee;
  EXPECT_EQ(mmStruct->name, "struct mm_struct");
  // mm_struct's fields sit in an anonymous struct: flattened.
  ASSERT_NE(mmStruct->field("arg_start"), nullptr);
  EXPECT_EQ(mmStruct->field("arg_start")->type, types.integer(64, false));
  // const struct cred *: qualifiers dropped.
  const Type *cred = t->field("cred")->type->pointee;
  ASSERT_NE(cred, nullptr);
  EXPECT_EQ(cred->name, "struct cred");
  const Field *uid = cred->field("uid");
  ASSERT_NE(uid, nullptr);
  EXPECT_EQ(uid->type->name, "kuid_t"); // typedef'd anonymous struct
  EXPECT_EQ(uid->type->field("val")->type, types.integer(32, false));
  // Function pointers are opaque.
  EXPECT_EQ(t->field("task_works")->type, types.pointer(types.voidType()));
  // Bitfields.
  const Field *b0 = t->field("sched_reset_on_fork");
  const Field *b3 = t->field("in_execve");
  ASSERT_NE(b0, nullptr);
  ASSERT_NE(b3, nullptr);
  EXPECT_EQ(b0->bitSize, 1u);
  EXPECT_EQ(b3->bitSize, 1u);
  EXPECT_EQ(b3->offset * 8 + b3->bitOffset, b0->offset * 8 + b0->bitOffset + 3);
}

TEST_F(Hermetic, BtfLazyFields) {
  const Type *t = cat.btfType("struct task_struct");
  ASSERT_NE(t, nullptr);
  const Type *ns = t->field("nsproxy")->type->pointee;
  // Reached through a pointer: not converted until asked.
  EXPECT_TRUE(static_cast<bool>(ns->fillFields));
  EXPECT_TRUE(ns->fields.empty());
  EXPECT_GT(ns->size, 0u);
  const Field *uts = ns->field("uts_ns");
  ASSERT_NE(uts, nullptr);
  EXPECT_FALSE(static_cast<bool>(ns->fillFields));
  const Type *name = uts->type->pointee->field("name")->type;
  EXPECT_EQ(name->field("nodename")->type, types.string(65));
}

TEST_F(Hermetic, BtfSockCommonUnionsAndBitfields) {
  const Type *sc = cat.btfType("struct sock_common");
  ASSERT_NE(sc, nullptr);
  const Field *daddr = sc->field("skc_daddr");
  const Field *saddr = sc->field("skc_rcv_saddr");
  const Field *pair = sc->field("skc_addrpair");
  ASSERT_TRUE(daddr && saddr && pair);
  EXPECT_EQ(daddr->offset, 0u);
  EXPECT_EQ(saddr->offset, 4u);
  EXPECT_EQ(pair->offset, 0u);
  EXPECT_EQ(sc->field("skc_dport")->type, types.integer(16, false));
  EXPECT_EQ(sc->field("skc_family")->type, types.integer(16, false));
  EXPECT_EQ(sc->field("skc_state")->type,
            types.integer(8, false)); // volatile dropped
  const Field *reuse = sc->field("skc_reuse");
  const Field *reuseport = sc->field("skc_reuseport");
  EXPECT_EQ(reuse->bitSize, 4u);
  EXPECT_EQ(reuseport->bitSize, 1u);
  EXPECT_EQ(reuseport->offset * 8 + reuseport->bitOffset,
            reuse->offset * 8 + reuse->bitOffset + 4);
  const Type *sk = cat.btfType("struct sock");
  ASSERT_NE(sk, nullptr);
  EXPECT_EQ(sk->field("__sk_common")->type, sc);
  const Type *v6 = sc->field("skc_v6_daddr")->type;
  EXPECT_EQ(v6->name, "struct in6_addr");
  EXPECT_EQ(v6->field("in6_u")->type->field("u6_addr8")->type,
            types.array(types.integer(8, false), 16));
}

TEST_F(Hermetic, BtfTypedefsEnumsAndBaseTypes) {
  EXPECT_EQ(cat.btfType("u64"), types.integer(64, false));
  EXPECT_EQ(cat.btfType("pid_t"), types.integer(32, true));
  EXPECT_EQ(cat.btfType("bool"), types.integer(8, false));
  EXPECT_EQ(cat.btfType("unsigned int"), types.integer(32, false));
  EXPECT_EQ(cat.btfType("char"), types.integer(8, true));
  EXPECT_EQ(cat.btfType("enum pid_type"), types.integer(32, false));
  EXPECT_EQ(cat.btfType("struct task_struct *"),
            types.pointer(cat.btfType("struct task_struct")));
  EXPECT_EQ(cat.btfType("struct nosuch"), nullptr);
  EXPECT_EQ(cat.btfType("nosuch_t"), nullptr);
  const Type *atomic = cat.btfType("atomic_t");
  ASSERT_NE(atomic, nullptr);
  EXPECT_EQ(atomic->name, "atomic_t");
  const Type *u = cat.btfType("union nosuch");
  EXPECT_EQ(u, nullptr);
}

TEST_F(Hermetic, KernelFunctions) {
  const auto &fns = cat.kernelFunctions();
  EXPECT_TRUE(std::is_sorted(fns.begin(), fns.end()));
  EXPECT_TRUE(cat.hasKernelFunction("vfs_read"));
  EXPECT_FALSE(cat.hasKernelFunction("nosuch"));
  EXPECT_EQ(cat.matchKernelFunctions("vfs_*"),
            (std::vector<std::string>{"vfs_fsync", "vfs_open", "vfs_read",
                                      "vfs_unlink", "vfs_write"}));
  auto sig = cat.kernelFunction("vfs_read", err);
  ASSERT_TRUE(sig) << err;
  ASSERT_EQ(sig->params.size(), 4u);
  EXPECT_EQ(sig->params[0].name, "file");
  EXPECT_EQ(sig->params[0].type, types.pointer(cat.btfType("struct file")));
  EXPECT_EQ(sig->params[1].name, "buf");
  EXPECT_EQ(sig->params[1].type, types.pointer(types.integer(8, true)));
  EXPECT_EQ(sig->params[2].type, types.integer(64, false));
  EXPECT_EQ(sig->returnType, types.integer(64, true)); // ssize_t
  auto alloc = cat.kernelFunction("kmem_cache_alloc", err);
  ASSERT_TRUE(alloc) << err;
  EXPECT_EQ(alloc->returnType, types.pointer(types.voidType()));
  auto sched = cat.kernelFunction("schedule", err);
  ASSERT_TRUE(sched) << err;
  EXPECT_TRUE(sched->params.empty());
  EXPECT_EQ(sched->returnType, types.voidType());
  EXPECT_FALSE(cat.kernelFunction("nosuch", err));
  EXPECT_NE(err.find("not in BTF"), std::string::npos);
}

TEST_F(Hermetic, KprobeCandidates) {
  // available_filter_functions wins over BTF, module suffixes dropped.
  auto ext4 = cat.matchKprobeFunctions("ext4_*");
  EXPECT_EQ(ext4, std::vector<std::string>{"ext4_file_read_iter"});
  auto tcp = cat.matchKprobeFunctions("tcp_v?_connect");
  EXPECT_EQ(tcp,
            (std::vector<std::string>{"tcp_v4_connect", "tcp_v6_connect"}));
}

TEST_F(Hermetic, RawTracepoints) {
  const auto &rt = cat.rawTracepoints();
  EXPECT_TRUE(std::binary_search(rt.begin(), rt.end(), "sched_switch"));
  EXPECT_TRUE(std::binary_search(rt.begin(), rt.end(), "sys_enter"));
  EXPECT_EQ(cat.matchRawTracepoints("sched_wakeup*"),
            (std::vector<std::string>{"sched_wakeup", "sched_wakeup_new"}));
  // Names from __bpf_trace_sched_switch when present.
  auto sw = cat.rawTracepoint("sched_switch", err);
  ASSERT_TRUE(sw) << err;
  ASSERT_EQ(sw->params.size(), 4u);
  EXPECT_EQ(sw->params[0].name, "preempt");
  EXPECT_EQ(sw->params[1].name, "prev");
  EXPECT_EQ(sw->params[1].type,
            types.pointer(cat.btfType("struct task_struct")));
  EXPECT_EQ(sw->params[3].type, types.integer(32, false));
  // Otherwise argN from the typedef.
  auto se = cat.rawTracepoint("sys_enter", err);
  ASSERT_TRUE(se) << err;
  ASSERT_EQ(se->params.size(), 2u);
  EXPECT_EQ(se->params[0].name, "arg0");
  EXPECT_EQ(se->params[0].type, types.pointer(cat.btfType("struct pt_regs")));
  EXPECT_EQ(se->params[1].type, types.integer(64, true));
  EXPECT_FALSE(cat.rawTracepoint("nosuch", err));
}

TEST_F(Hermetic, TracepointPointerFieldsUseBtf) {
  // No common tracepoint in the set has a struct pointer field with a
  // struct known to mini BTF except through raw tracepoints; check the
  // fallback: an unknown struct pointer is void *.
  const Type *t = cat.tracepointArgs("sock", "inet_sock_set_state", err);
  ASSERT_NE(t, nullptr) << err;
  EXPECT_EQ(t->field("skaddr")->type, types.pointer(types.voidType()));
}

TEST_F(Hermetic, SyntheticFormat) {
  // Field spellings the checked-in formats lack: struct pointers known to
  // BTF, arrays with symbolic sizes, __data_loc of non-chars, T **.
  char tmpl[] = "/tmp/obs-catalog-tracefs-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string root = tmpl;
  std::string dir = root + "/events/test/synthetic";
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  {
    std::ofstream f(dir + "/format");
    f << "name: synthetic\nID: 1\nformat:\n"
         "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
         "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
         "\tfield:struct task_struct * task;\toffset:8;\tsize:8;\tsigned:0;\n"
         "\tfield:struct nosuch * other;\toffset:16;\tsize:8;\tsigned:0;\n"
         "\tfield:char name[TASK_COMM_LEN];\toffset:24;\tsize:16;\tsigned:0;\n"
         "\tfield:__data_loc unsigned long[] ips;\toffset:40;\tsize:4;\tsigned:0;\n"
         "\tfield:void ** pp;\toffset:48;\tsize:8;\tsigned:0;\n"
         "\tfield:u32 ids[4];\toffset:56;\tsize:16;\tsigned:0;\n"
         "\tfield:bool ok;\toffset:72;\tsize:1;\tsigned:0;\n\n"
         "print fmt: \"\"\n";
  }
  CatalogOptions o = hermetic();
  o.tracefsDir = root;
  ProbeCatalog c(types, o);
  const Type *t = c.tracepointArgs("test", "synthetic", err);
  ASSERT_NE(t, nullptr) << err;
  EXPECT_EQ(t->size, 73u);
  EXPECT_EQ(t->fields.size(), 7u);
  EXPECT_EQ(t->field("task")->type, types.pointer(c.btfType("struct task_struct")));
  EXPECT_EQ(t->field("other")->type, types.pointer(types.voidType()));
  EXPECT_EQ(t->field("name")->type, types.string(16));
  EXPECT_EQ(t->field("ips")->type, types.buffer(0));
  EXPECT_EQ(t->field("pp")->type, types.pointer(types.pointer(types.voidType())));
  EXPECT_EQ(t->field("ids")->type, types.array(types.integer(32, false), 4));
  EXPECT_EQ(t->field("ok")->type, types.integer(8, false));
  std::system(("rm -rf " + root).c_str());
}

TEST(Catalog, NoBtf) {
  TypeTable types;
  CatalogOptions o;
  o.btfPath = "/nonexistent/vmlinux";
  ProbeCatalog cat(types, o);
  std::string err;
  EXPECT_FALSE(cat.hasBtf());
  EXPECT_NE(cat.btfError().find("/nonexistent/vmlinux"), std::string::npos);
  EXPECT_EQ(cat.btfType("struct task_struct"), nullptr);
  EXPECT_TRUE(cat.kernelFunctions().empty());
  EXPECT_FALSE(cat.kernelFunction("vfs_read", err));
}

//===-- ELF: uprobes and USDT ---------------------------------------------===//

TEST_F(Hermetic, UprobeSymbols) {
  std::string bin = builtInputs() + "/usdt_sample";
  ASSERT_TRUE(exists(bin));
  EXPECT_EQ(cat.resolveBinary(bin, err), bin);
  auto reads = cat.matchUprobeFunctions(bin, "obs_sample_read*", err);
  EXPECT_EQ(reads, (std::vector<std::string>{"obs_sample_read_block",
                                             "obs_sample_read_line"}));
  auto main = cat.symbol(bin, "main", err);
  ASSERT_TRUE(main) << err;
  EXPECT_GT(main->address, 0u);
  EXPECT_GT(main->size, 0u);
  EXPECT_FALSE(cat.symbol(bin, "nosuch", err));
  EXPECT_FALSE(cat.elf("/nonexistent/bin", err));
  EXPECT_NE(err.find("does not exist"), std::string::npos);
}

TEST_F(Hermetic, UsdtNotes) {
  std::string bin = builtInputs() + "/usdt_sample";
  const auto *probes = cat.usdtProbes(bin, err);
  ASSERT_NE(probes, nullptr) << err;
  ASSERT_EQ(probes->size(), 2u);
  const UsdtProbe &start = (*probes)[0];
  EXPECT_EQ(start.provider, "obs_sample");
  EXPECT_EQ(start.name, "start");
  EXPECT_EQ(start.argumentCount(), 2u);
  const UsdtProbe &tick = (*probes)[1];
  EXPECT_EQ(tick.name, "tick");
  EXPECT_EQ(tick.argumentCount(), 3u);
  auto args = tick.parseArguments(err);
  ASSERT_EQ(args.size(), 3u) << err;
  EXPECT_EQ(args[2].kind, UsdtArgument::Kind::Constant);
  EXPECT_EQ(args[2].value, 7);
  EXPECT_NE(tick.semaphore, 0u);
  EXPECT_NE(tick.location, 0u);
  // The probe sits inside the function that contains it.
  auto write = cat.symbol(bin, "obs_sample_write", err);
  ASSERT_TRUE(write) << err;
  EXPECT_GE(tick.location, write->address);
  EXPECT_LT(tick.location, write->address + write->size);
}

TEST(Usdt, ArgumentSpecs) {
  UsdtProbe p;
  p.provider = "prov";
  p.name = "probe";
  p.arguments = "-4@%edi 8@%rsi -4@$7 8@-16(%rbp) 4@counter+8(%rip) "
                "2@8(%rax,%rdx,8) 1@%r9b";
  std::string err;
  auto args = p.parseArguments(err);
  ASSERT_EQ(args.size(), 7u) << err;
  EXPECT_EQ(args[0].kind, UsdtArgument::Kind::Register);
  EXPECT_EQ(args[0].size, 4u);
  EXPECT_TRUE(args[0].isSigned);
  EXPECT_EQ(ptRegsField(args[0].reg), "di");
  EXPECT_EQ(args[1].size, 8u);
  EXPECT_FALSE(args[1].isSigned);
  EXPECT_EQ(args[2].kind, UsdtArgument::Kind::Constant);
  EXPECT_EQ(args[2].value, 7);
  EXPECT_EQ(args[3].kind, UsdtArgument::Kind::Memory);
  EXPECT_EQ(args[3].value, -16);
  EXPECT_EQ(ptRegsField(args[3].reg), "bp");
  EXPECT_EQ(args[4].symbol, "counter");
  EXPECT_EQ(args[4].value, 8);
  EXPECT_EQ(ptRegsField(args[4].reg), "ip");
  EXPECT_EQ(args[5].indexReg, "rdx");
  EXPECT_EQ(args[5].scale, 8u);
  EXPECT_EQ(ptRegsField(args[6].reg), "r9");
  EXPECT_EQ(ptRegsField("r15d"), "r15");
  EXPECT_EQ(ptRegsField("xmm0"), "");
  p.arguments = "3@%eax";
  EXPECT_TRUE(p.parseArguments(err).empty());
  EXPECT_NE(err.find("bad size"), std::string::npos);
  p.arguments = "";
  EXPECT_TRUE(p.parseArguments(err).empty());
}

TEST_F(Hermetic, LibraryResolution) {
  // A private library directory: NAME.so is preferred, then NAME.so.*, and
  // only ELF files count.
  char tmpl[] = "/tmp/obs-catalog-libs-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string bin = builtInputs() + "/usdt_sample";
  { std::ofstream(dir + "/libfoo.so") << "/* GNU ld script */"; }
  {
    std::ifstream src(bin, std::ios::binary);
    std::ofstream(dir + "/libfoo.so.1", std::ios::binary) << src.rdbuf();
  }
  CatalogOptions o = hermetic();
  o.libraryDirs = {dir};
  ProbeCatalog c(types, o);
  EXPECT_EQ(c.resolveBinary("libfoo", err), dir + "/libfoo.so.1");
  EXPECT_EQ(c.resolveBinary("libfoo.so.1", err), dir + "/libfoo.so.1");
  EXPECT_EQ(c.resolveBinary("libnosuch", err), "");
  EXPECT_NE(err.find("libnosuch"), std::string::npos);
  std::remove((dir + "/libfoo.so").c_str());
  std::remove((dir + "/libfoo.so.1").c_str());
  ::rmdir(dir.c_str());
}

//===-- kallsyms ----------------------------------------------------------===//

TEST_F(Hermetic, KernelSymbols) {
  KernelSymbols &ks = cat.kernelSymbols();
  ASSERT_TRUE(ks.load(&err)) << err;
  EXPECT_EQ(ks.size(), 5u);
  EXPECT_EQ(ks.address("vfs_read"), 0xffffffff81400000ull);
  uint64_t off = 0;
  auto s = ks.lookup(0xffffffff81400010ull, &off);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "vfs_read");
  EXPECT_EQ(off, 0x10u);
  auto m = ks.lookup(0xffffffffc0001005ull, &off);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "ext4_file_read_iter");
  EXPECT_EQ(m->module, "ext4");
  EXPECT_FALSE(ks.lookup(0x1000));
  EXPECT_FALSE(ks.address("nosuch"));
}

//===-- the real machine (skipped where absent) ---------------------------===//

TEST(RealMachine, VmlinuxTaskStruct) {
  if (!exists("/sys/kernel/btf/vmlinux"))
    GTEST_SKIP() << "no /sys/kernel/btf/vmlinux";
  TypeTable types;
  ProbeCatalog cat(types);
  const Type *t = cat.btfType("struct task_struct");
  ASSERT_NE(t, nullptr) << cat.btfError();
  ASSERT_NE(t->field("pid"), nullptr);
  EXPECT_EQ(t->field("pid")->type, types.integer(32, true));
  EXPECT_EQ(t->field("comm")->type, types.string(16));
  EXPECT_NE(t->field("__state"), nullptr);
  std::string err;
  auto sig = cat.kernelFunction("vfs_read", err);
  ASSERT_TRUE(sig) << err;
  EXPECT_EQ(sig->params.size(), 4u);
  // Base types by their C spelling, though BTF says "long unsigned int".
  EXPECT_EQ(cat.btfType("unsigned long"), types.integer(64, false));
  EXPECT_EQ(cat.btfType("long"), types.integer(64, true));
  EXPECT_EQ(cat.btfType("u32"), types.integer(32, false));
  const Type *sk = cat.btfType("struct sock");
  ASSERT_NE(sk, nullptr);
  const Field *common = sk->field("__sk_common");
  ASSERT_NE(common, nullptr);
  EXPECT_NE(common->type->field("skc_dport"), nullptr);
  EXPECT_NE(common->type->field("skc_rcv_saddr"), nullptr);
}

TEST(RealMachine, Libc) {
  TypeTable types;
  ProbeCatalog cat(types);
  std::string err;
  std::string libc = cat.resolveBinary("libc", err);
  if (libc.empty())
    GTEST_SKIP() << err;
  EXPECT_NE(libc.find("libc"), std::string::npos);
  auto malloc = cat.symbol("libc", "malloc", err);
  ASSERT_TRUE(malloc) << err;
  EXPECT_GT(malloc->address, 0u);
}
