//===- symbolic_printf.cpp - stacks and symbols in printf records ---------===//
//
// printf arguments the kernel leaves as numbers (stack ids, addresses with
// their tgid) become text here, with the output's Symbolizer; kept apart
// from symbols.cpp so that tools compiling the map reader alone do not
// need runtime/output.
//
//===----------------------------------------------------------------------===//

#include "runtime/symbols.h"
#include "runtime/user_symbols.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cstring>

namespace obs {

std::vector<uint64_t> readStackFrames(int stacksFd, int64_t id,
                                      uint32_t limit) {
  std::vector<uint64_t> out;
  if (id < 0 || stacksFd < 0)
    return out;
  std::vector<uint64_t> frames(contract::kStackFrames, 0);
  uint32_t key = uint32_t(id);
  if (bpf_map_lookup_elem(stacksFd, &key, frames.data()) != 0)
    return out;
  for (uint64_t a : frames) {
    if (!a || out.size() >= limit)
      break;
    out.push_back(a);
  }
  return out;
}

bool renderSymbolicPrintf(const contract::PrintfSpec &spec,
                          const uint8_t *record, size_t size, int stacksFd,
                          const output::Symbolizer &symbolize,
                          contract::PrintfSpec &outSpec,
                          std::vector<uint8_t> &outRecord) {
  using K = contract::FormatArg::Kind;
  auto symbolic = [](K k) {
    return k == K::KSym || k == K::USym || k == K::KStack || k == K::UStack;
  };
  if (std::none_of(
          spec.args.begin(), spec.args.end(),
          [&](const contract::FormatArg &a) { return symbolic(a.kind); }))
    return false;
  auto u64 = [](const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
  };
  outSpec = spec;
  outSpec.args.clear();
  outRecord.assign(
      record, record + std::min<size_t>(size, sizeof(contract::EventHeader)));
  outRecord.resize(sizeof(contract::EventHeader), 0);
  for (const contract::FormatArg &a : spec.args) {
    contract::FormatArg o = a;
    o.offset = uint32_t(outRecord.size());
    if (size_t(a.offset) + a.size > size) { // let the formatter say so
      o.kind = K::String;
      o.size = 1;
      outRecord.push_back(0);
    } else if (symbolic(a.kind)) {
      const uint8_t *p = record + a.offset;
      uint32_t pid = a.size >= 16 ? uint32_t(u64(p + 8)) : 0;
      std::string text;
      if (a.kind == K::KSym) {
        text = renderSymbolicArg(a, p);
      } else if (a.kind == K::USym) {
        output::SymbolQuery q;
        q.addr = u64(p);
        q.user = true;
        q.pid = pid;
        q.offset = false; // usym(): the function's name only
        text = symbolize ? symbolize(q)
                         : userSymbolizer().text(pid, q.addr, false, false);
      } else if (int64_t(u64(p)) < 0) {
        // No stack (kstack at a uprobe): bpftrace prints nothing at all.
      } else {
        text = output::renderStack(
            readStackFrames(stacksFd, int64_t(u64(p)), a.frames),
            a.kind == K::UStack, pid, a.mode, 8, symbolize);
      }
      o.kind = K::String;
      o.size = uint32_t(text.size() + 1);
      outRecord.insert(outRecord.end(), text.begin(), text.end());
      outRecord.push_back(0);
    } else {
      outRecord.insert(outRecord.end(), record + a.offset,
                       record + a.offset + a.size);
    }
    outRecord.resize((outRecord.size() + 7) / 8 * 8, 0);
    outSpec.args.push_back(o);
  }
  outSpec.recordSize = uint32_t(outRecord.size());
  return true;
}

} // namespace obs
