//===- kernel_symbols.cpp - /proc/kallsyms ---------------------------------===//
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
        Entry e{addr, 0, 0, 0, '?'};
        char *p = end;
        while (*p == ' ')
          ++p;
        if (*p)
          e.kind = *p++;
        while (*p == ' ')
          ++p;
        size_t n = std::min<size_t>(std::strcspn(p, " \t\n"), UINT16_MAX);
        if (n == 0)
          continue;
        e.nameAt = uint32_t(text_.size());
        e.nameSize = uint16_t(n);
        text_.append(p, n);
        p += n;
        if (char *m = std::strchr(p, '[')) {
          if (char *close = std::strchr(m, ']')) {
            std::string_view mod(m + 1, size_t(close - m - 1));
            // Modules' symbols come together: most often the last one.
            if (modules_.empty() || modules_.back() != mod) {
              auto it = std::find(modules_.begin(), modules_.end(), mod);
              if (it == modules_.end())
                it = modules_.insert(modules_.end(), std::string(mod));
              e.module = uint16_t(it - modules_.begin() + 1);
            } else {
              e.module = uint16_t(modules_.size());
            }
          }
        }
        byAddress_.push_back(e);
      }
      std::fclose(f);
      byAddress_.shrink_to_fit();
      // kallsyms lists vmlinux in address order (modules after it, each in
      // order): usually nothing to sort.
      auto byAddr = [](const Entry &a, const Entry &b) { return a.address < b.address; };
      if (!std::is_sorted(byAddress_.begin(), byAddress_.end(), byAddr))
        std::stable_sort(byAddress_.begin(), byAddress_.end(), byAddr);
    }
  }
  if (err)
    *err = error_;
  return ok_;
}

KernelSymbols::Symbol KernelSymbols::symbol(const Entry &e) const {
  Symbol s;
  s.address = e.address;
  s.name = nameOf(e);
  if (e.module)
    s.module = modules_[e.module - 1];
  s.kind = e.kind;
  return s;
}

std::optional<KernelSymbols::Symbol> KernelSymbols::lookup(uint64_t address,
                                                           uint64_t *offset) {
  load();
  auto it = std::upper_bound(byAddress_.begin(), byAddress_.end(), address,
                             [](uint64_t a, const Entry &e) { return a < e.address; });
  if (it == byAddress_.begin())
    return std::nullopt;
  --it;
  if (offset)
    *offset = address - it->address;
  return symbol(*it);
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
      return nameOf(byAddress_[a]) < nameOf(byAddress_[b]);
    });
  }
  auto it = std::lower_bound(byName_.begin(), byName_.end(), std::string_view(name),
                             [&](uint32_t i, std::string_view n) {
                               return nameOf(byAddress_[i]) < n;
                             });
  if (it == byName_.end() || nameOf(byAddress_[*it]) != name)
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

namespace {
KernelSymbols *running = nullptr;
}

KernelSymbols &runningKernelSymbols() {
  if (!running) {
    static KernelSymbols proc;
    running = &proc;
  }
  return *running;
}

void setRunningKernelSymbols(KernelSymbols *symbols) { running = symbols; }

} // namespace obs
