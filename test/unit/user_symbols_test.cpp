//===- user_symbols_test.cpp - /proc/PID/maps and ELF address arithmetic --===//
//
// runtime/user_symbols: mapped address -> file offset -> ELF virtual
// address -> function+offset, on the call_chain workloads the build makes
// (PIE and -no-pie), on this test binary and libc live, and the texts for
// what cannot be resolved.
//
//===----------------------------------------------------------------------===//

#include "lang/sema/catalog/elf_symbols.h"
#include "runtime/output/printer.h"
#include "runtime/symbols.h"
#include "runtime/user_symbols.h"

#include <gtest/gtest.h>

#include <cstring>
#include <dlfcn.h>
#include <unistd.h>

using namespace obs;

namespace {

std::string workload(const char *name) {
  return std::string(OBS_BINARY_DIR) + "/test/workloads/" + name;
}

// Fake pids: far above pid_max's default, never a live process.
constexpr uint32_t kFakePid = 4000001;

} // namespace

extern "C" __attribute__((noinline, used)) int obs_user_symbols_test_fn(int x) {
  __asm__ volatile("" ::: "memory");
  return x + 1;
}

TEST(UserSymbols, ParsesProcMaps) {
  auto m = parseProcMaps("7f10aad38000-7f10aad39000 r-xp 00001000 08:01 "
                         "1234567                    "
                         "/tmp/my lib.so\n"
                         "55fcf0aef000-55fcf0af0000 r--p 00000000 fd:02 42 "
                         "/usr/bin/true (deleted)\n"
                         "7ffd1c3f0000-7ffd1c3f2000 r-xp 00000000 00:00 0      "
                         "                    [vdso]\n"
                         "7ffd1c300000-7ffd1c321000 rw-p 00000000 00:00 0 \n"
                         "garbage\n");
  ASSERT_EQ(m.size(), 4u);
  // Sorted by start address.
  EXPECT_EQ(m[0].start, 0x55fcf0aef000u);
  EXPECT_EQ(m[0].dev, (uint64_t(0xfd) << 32) | 2);
  EXPECT_EQ(m[0].inode, 42u);
  EXPECT_FALSE(m[0].exec);
  EXPECT_EQ(m[0].path, "/usr/bin/true (deleted)");
  EXPECT_EQ(m[1].start, 0x7f10aad38000u);
  EXPECT_EQ(m[1].end, 0x7f10aad39000u);
  EXPECT_EQ(m[1].fileOffset, 0x1000u);
  EXPECT_TRUE(m[1].exec);
  EXPECT_EQ(m[1].path, "/tmp/my lib.so");
  EXPECT_EQ(m[2].path, "");
  EXPECT_EQ(m[3].path, "[vdso]");
}

// A mapping of the text at an arbitrary base, as the loader would place a
// PIE or a library: address - start + offset is the file offset, which the
// PT_LOAD headers turn into the symbol's virtual address.
static void checkWorkload(const char *name, uint32_t pid) {
  std::string path = workload(name);
  std::string err;
  auto elf = ElfSymbols::open(path, err);
  if (!elf)
    FAIL() << "the workloads are not built: " << err;
  const ElfSymbol *b = elf->find("obs_chain_b");
  const ElfSymbol *c = elf->find("obs_chain_c");
  ASSERT_TRUE(b && c);
  ASSERT_GE(b->fileOffset, 0x1000u);
  uint64_t pageOff = b->fileOffset & ~uint64_t(0xfff);
  UserMapping text;
  text.start = 0x7f1234560000;
  text.end = text.start + 0x10000;
  text.fileOffset = pageOff;
  text.inode = 0; // cached by path
  text.exec = true;
  text.path = path;
  UserMapping vdso;
  vdso.start = 0x7fff00000000;
  vdso.end = vdso.start + 0x2000;
  vdso.path = "[vdso]";
  UserSymbolizer s;
  s.setMappings(pid, {vdso, text});
  EXPECT_TRUE(s.known(pid));
  uint64_t addrB = text.start + (b->fileOffset - pageOff) + 7;
  UserSymbol r = s.resolve(pid, addrB);
  EXPECT_EQ(r.name, "obs_chain_b");
  EXPECT_EQ(r.offset, 7u);
  EXPECT_EQ(r.module, path);
  EXPECT_EQ(s.text(pid, addrB, true, false), "obs_chain_b+7");
  EXPECT_EQ(s.text(pid, addrB, false, false), "obs_chain_b");
  EXPECT_EQ(s.text(pid, addrB, true, true), "obs_chain_b+7 (" + path + ")");
  uint64_t addrC = text.start + (c->fileOffset - pageOff);
  EXPECT_EQ(s.text(pid, addrC, true, false), "obs_chain_c+0");
  // Not mapped, and mapped without a file: the address, as bpftrace.
  EXPECT_EQ(s.text(pid, 0x1000, true, false), "0x1000");
  EXPECT_EQ(s.text(pid, 0x1000, true, true), "0x1000 ([unknown])");
  EXPECT_EQ(s.text(pid, vdso.start + 0x10, true, false), "0x7fff00000010");
  EXPECT_EQ(s.resolve(pid, vdso.start + 0x10).module, "[vdso]");
}

TEST(UserSymbols, PieExecutable) { checkWorkload("call_chain", kFakePid); }
TEST(UserSymbols, FixedAddressExecutable) {
  // -no-pie: virtual addresses start at 0x400000, file offsets at 0.
  std::string err;
  auto elf = ElfSymbols::open(workload("call_chain_nopie"), err);
  if (elf) {
    const ElfSymbol *b = elf->find("obs_chain_b");
    ASSERT_TRUE(b);
    EXPECT_NE(b->address, b->fileOffset);
  }
  checkWorkload("call_chain_nopie", kFakePid + 1);
}

TEST(UserSymbols, SharedLibrary) {
  std::string path = workload("libobs_chain.so");
  std::string err;
  auto elf = ElfSymbols::open(path, err);
  if (!elf)
    FAIL() << err;
  const ElfSymbol *leaf = elf->find("obs_chain_lib_leaf");
  ASSERT_TRUE(leaf);
  UserMapping m;
  m.start = 0x7f0000000000;
  m.end = m.start + 0x100000;
  m.fileOffset = 0;
  m.path = path;
  UserSymbolizer s;
  s.setMappings(kFakePid + 2, {m});
  EXPECT_EQ(s.text(kFakePid + 2, m.start + leaf->fileOffset + 14, true, false),
            "obs_chain_lib_leaf+14");
}

TEST(UserSymbols, LiveProcess) {
  // This test binary (PIE) and libc, through /proc/self/maps.
  UserSymbolizer s;
  uint32_t pid = uint32_t(getpid());
  auto fn = reinterpret_cast<uint64_t>(&obs_user_symbols_test_fn);
  EXPECT_EQ(s.text(pid, fn + 2, true, false), "obs_user_symbols_test_fn+2");
  EXPECT_TRUE(s.known(pid));
  void *getpidAddr = dlsym(RTLD_DEFAULT, "getpid");
  ASSERT_TRUE(getpidAddr);
  UserSymbol r = s.resolve(pid, reinterpret_cast<uint64_t>(getpidAddr));
  EXPECT_NE(r.name.find("getpid"), std::string::npos) << r.name;
  EXPECT_EQ(r.offset, 0u);
  EXPECT_NE(r.module.find("libc"), std::string::npos) << r.module;
  // Unknown pid: nothing to read.
  EXPECT_EQ(
      s.text(0, fn, true, false), "0x" + [&] {
        char b[32];
        snprintf(b, sizeof b, "%llx", (unsigned long long)fn);
        return std::string(b);
      }());
  EXPECT_EQ(s.text(0, 0, false, false), "0");
}

TEST(UserSymbols, StackModes) {
  // Frames through a Symbolizer that sees pid and style.
  output::Symbolizer sym([](const output::SymbolQuery &q) {
    return std::string(q.user ? "u" : "k") + std::to_string(q.addr) + "@" +
           std::to_string(q.pid) + (q.module ? " (m)" : "");
  });
  KeyPart p;
  p.kind = KeyPart::Kind::Stack;
  p.stack = {0x10, 0x20};
  p.userStack = true;
  p.pid = 7;
  EXPECT_EQ(output::renderStack(p, 4, sym), "\n    u16@7\n    u32@7\n");
  p.mode = contract::StackMode::Perf;
  EXPECT_EQ(output::renderStack(p, 4, sym),
            "\n\t10 u16@7 (m)\n\t20 u32@7 (m)\n");
  p.userStack = false;
  EXPECT_EQ(output::renderStack(p, 8, sym), "\n\t10 k16@7\n\t20 k32@7\n");
  p.mode = contract::StackMode::Raw;
  EXPECT_EQ(output::renderStack(p, 8, sym), "\n10\n20\n");
  // A plain (addr, user) function still works as a Symbolizer.
  output::Symbolizer old([](uint64_t a, bool) { return std::to_string(a); });
  EXPECT_EQ(output::renderStack({5, 0, 6}, true, 2, old), "\n  5\n");
}

TEST(UserSymbols, PrintfRecordsRewritten) {
  // A Printf record with an int, a usym (address + tgid) and a kernel stack
  // whose id is unknown: the symbolic arguments become strings.
  using K = contract::FormatArg::Kind;
  contract::PrintfSpec spec;
  spec.format = "%d %s [%s]";
  contract::FormatArg a{K::Int, 8, 8}, u{K::USym, 16, 16}, k{K::KStack, 32, 8};
  spec.args = {a, u, k};
  spec.recordSize = 40;
  std::vector<uint8_t> rec(40, 0);
  int64_t five = 5;
  uint64_t addr = 0x1234, pid = 77, id = uint64_t(-1);
  memcpy(rec.data() + 8, &five, 8);
  memcpy(rec.data() + 16, &addr, 8);
  memcpy(rec.data() + 24, &pid, 8);
  memcpy(rec.data() + 32, &id, 8);
  output::Symbolizer sym([](const output::SymbolQuery &q) {
    return "f" + std::to_string(q.addr) + "@" + std::to_string(q.pid) +
           (q.offset ? "+" : "");
  });
  contract::PrintfSpec out;
  std::vector<uint8_t> outRec;
  ASSERT_TRUE(
      renderSymbolicPrintf(spec, rec.data(), rec.size(), -1, sym, out, outRec));
  ASSERT_EQ(out.args.size(), 3u);
  EXPECT_EQ(out.args[0].kind, K::Int);
  EXPECT_EQ(out.args[1].kind, K::String);
  EXPECT_EQ(out.args[2].kind, K::String);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(outRec.data() +
                                                       out.args[1].offset)),
            "f4660@77"); // usym(): no offset
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(outRec.data() +
                                                       out.args[2].offset)),
            ""); // no stack: nothing, as bpftrace 0.17 prints
  int64_t back;
  memcpy(&back, outRec.data() + out.args[0].offset, 8);
  EXPECT_EQ(back, 5);
  EXPECT_EQ(out.recordSize, outRec.size());
  // Nothing symbolic: the record is left alone.
  contract::PrintfSpec plain;
  plain.args = {a};
  EXPECT_FALSE(
      renderSymbolicPrintf(plain, rec.data(), 16, -1, sym, out, outRec));
}
