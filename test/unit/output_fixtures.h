//===- output_fixtures.h - map entries for the output printer tests --------===//
#pragma once

#include "runtime/maps.h"

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace obs::output::testing {

/// Key parts: an integer and a string.
inline KeyPart I(int64_t v) { return KeyPart::ofInt(v); }
inline KeyPart S(std::string v) { return KeyPart::ofString(std::move(v)); }

/// A log2 histogram entry holding `values`, bucketed as the kernel does.
inline MapEntry histOf(std::vector<KeyPart> key, std::vector<int64_t> values) {
  MapEntry e;
  e.key = std::move(key);
  e.value.buckets.assign(66, 0);
  for (int64_t v : values) {
    size_t b;
    if (v < 0)
      b = 0;
    else if (v == 0)
      b = 1;
    else
      b = 2 + (63 - __builtin_clzll(static_cast<uint64_t>(v)));
    e.value.buckets[b]++;
  }
  return e;
}
/// A symbolizer with four known kernel frames; user addresses in hex.
inline std::string fakeSymbols(uint64_t a, bool user) {
  if (user)
    return "0x" + [&] { char b[32]; snprintf(b, sizeof b, "%llx", (unsigned long long)a); return std::string(b); }();
  switch (a) {
  case 1: return "perf_syscall_enter+397";
  case 2: return "syscall_trace_enter+384";
  case 3: return "do_syscall_64+506";
  case 4: return "entry_SYSCALL_64_after_hwframe+118";
  }
  return "?";
}

} // namespace obs::output::testing
