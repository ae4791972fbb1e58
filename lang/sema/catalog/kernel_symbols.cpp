//===- kernel_symbols.cpp - /proc/kallsyms
//---------------------------------===//
#include "lang/sema/catalog/kernel_symbols.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace obs {

bool KernelSymbols::load(std::string *err) {
  if (!loaded_) {
    loaded_ = true;
    FILE *f = std::fopen(path_.c_str(), "r");
    if (!f) {
      error_ = "cannot read " + path_ + ": " + std::strerror(errno);
    } else {
      ok_ = true;
      char line[512];
      while (std::fgets(line, sizeof line, f)) {
        // "ffffffff81000000 T _stext" or "... t name\t[module]"
        char *end;
        uint64_t addr = std::strtoull(line, &end, 16);
        if (end == line || addr == 0)
          continue;
        Symbol s;
        s.address = addr;
        char *p = end;
        while (*p == ' ')
          ++p;
        s.kind = *p ? *p : '?';
        if (*p)
          ++p;
        while (*p == ' ')
          ++p;
        size_t n = std::strcspn(p, " \t\n");
        s.name.assign(p, n);
        p += n;
        if (char *m = std::strchr(p, '[')) {
          char *close = std::strchr(m, ']');
          if (close)
            s.module.assign(m + 1, close);
        }
        if (!s.name.empty())
          byAddress_.push_back(std::move(s));
      }
      std::fclose(f);
      // kallsyms lists vmlinux in address order (modules after it, each in
      // order): usually nothing to sort.
      auto byAddr = [](const Symbol &a, const Symbol &b) { return a.address < b.address; };
      if (!std::is_sorted(byAddress_.begin(), byAddress_.end(), byAddr))
        std::stable_sort(byAddress_.begin(), byAddress_.end(), byAddr);
    }
  }
  if (err)
    *err = error_;
  return ok_;
}

const KernelSymbols::Symbol *KernelSymbols::lookup(uint64_t address,
                                                   uint64_t *offset) {
  load();
  auto it = std::upper_bound(
      byAddress_.begin(), byAddress_.end(), address,
      [](uint64_t a, const Symbol &s) { return a < s.address; });
  if (it == byAddress_.begin())
    return nullptr;
  --it;
  if (offset)
    *offset = address - it->address;
  return &*it;
}

std::optional<uint64_t> KernelSymbols::address(const std::string &name) {
  load();
  // The name index, made on the first search by name (kaddr, probe
  // listing): stack symbolization needs only the address order.
  if (byName_.size() != byAddress_.size()) {
    byName_.resize(byAddress_.size());
    for (uint32_t i = 0; i < byName_.size(); ++i)
      byName_[i] = i;
    std::stable_sort(byName_.begin(), byName_.end(), [&](uint32_t a, uint32_t b) {
      return byAddress_[a].name < byAddress_[b].name;
    });
  }
  auto it = std::lower_bound(
      byName_.begin(), byName_.end(), name,
      [&](uint32_t i, const std::string &n) { return byAddress_[i].name < n; });
  if (it == byName_.end() || byAddress_[*it].name != name)
    return std::nullopt;
  return byAddress_[*it].address;
}

bool KernelSymbols::empty() {
  load();
  return byAddress_.empty();
}

size_t KernelSymbols::size() {
  load();
  return byAddress_.size();
}

} // namespace obs
