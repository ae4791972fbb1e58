//===- symbols.cpp - kernel symbols and addresses as text -----------------===//

#include "runtime/symbols.h"
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
struct KernelSymbols {
  std::vector<std::pair<uint64_t, std::string>> syms; // sorted by address
  KernelSymbols() {
    std::ifstream in("/proc/kallsyms");
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream is(line);
      std::string addr, type, name;
      if (!(is >> addr >> type >> name))
        continue;
      if (type != "t" && type != "T" && type != "w" && type != "W")
        continue;
      uint64_t a = std::strtoull(addr.c_str(), nullptr, 16);
      if (a)
        syms.emplace_back(a, name);
    }
    std::sort(syms.begin(), syms.end());
  }
};

const KernelSymbols &kernelSymbols() {
  static KernelSymbols k;
  return k;
}

std::string hex(uint64_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}
} // namespace

std::string kernelSymbol(uint64_t addr) {
  if (addr == 0) // bpftrace 0.17 prints ksym(0) as "0", other misses in hex
    return "0";
  const auto &s = kernelSymbols().syms;
  auto it = std::upper_bound(s.begin(), s.end(),
                             std::make_pair(addr, std::string("\xff")));
  if (it == s.begin())
    return hex(addr);
  --it;
  return it->second;
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
