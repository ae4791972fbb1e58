//===- symbols.cpp - kernel symbols and addresses as text -----------------===//

#include "runtime/symbols.h"
#include "lang/sema/catalog/kernel_symbols.h"
#include "runtime/user_symbols.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

namespace obs {

namespace {
std::string hex(uint64_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}
} // namespace

std::string kernelSymbol(uint64_t addr) {
  if (addr == 0) // bpftrace 0.17 prints ksym(0) as "0", other misses in hex
    return "0";
  if (auto s = runningKernelSymbols().lookup(addr))
    return std::string(s->name);
  return hex(addr);
}

std::string inetToString(const uint8_t *p) {
  uint64_t family;
  memcpy(&family, p, 8);
  char buf[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(family == 10 ? AF_INET6 : AF_INET, p + 8, buf, sizeof buf))
    return "<bad address>";
  return buf;
}

std::string renderSymbolicArg(const contract::FormatArg &arg,
                              const uint8_t *p) {
  switch (arg.kind) {
  case contract::FormatArg::Kind::KSym: {
    uint64_t a;
    memcpy(&a, p, 8);
    return kernelSymbol(a);
  }
  case contract::FormatArg::Kind::Inet: return inetToString(p);
  case contract::FormatArg::Kind::USym: {
    // The address, then (16 bytes) the tgid it belongs to.
    uint64_t a, pid = 0;
    memcpy(&a, p, 8);
    if (arg.size >= 16)
      memcpy(&pid, p + 8, 8);
    return userSymbolizer().text(uint32_t(pid), a, false, false);
  }
  default: return "";
  }
}

} // namespace obs
