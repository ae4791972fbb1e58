//===- ast.cpp - the syntax tree arena ------------------------------------===//
#include "lang/grammar/ast.h"

namespace obs {

ASTContext::~ASTContext() {
  for (auto it = dtors_.rbegin(); it != dtors_.rend(); ++it)
    it->fn(it->obj);
}

void *ASTContext::allocate(size_t size, size_t align) {
  size_t start = (used_ + align - 1) & ~(align - 1);
  if (slabs_.empty() || start + size > cap_) {
    size_t slab = size > 16384 ? size + align : 16384;
    slabs_.emplace_back(new char[slab]);
    cap_ = slab;
    start = 0;
    // new char[] is aligned for max_align_t.
  }
  used_ = start + size;
  return slabs_.back().get() + start;
}

const char *probeKindName(ProbeKind kind) {
  switch (kind) {
  case ProbeKind::Begin: return "BEGIN";
  case ProbeKind::End: return "END";
  case ProbeKind::Tracepoint: return "tracepoint";
  case ProbeKind::RawTracepoint: return "rawtracepoint";
  case ProbeKind::Kprobe: return "kprobe";
  case ProbeKind::Kretprobe: return "kretprobe";
  case ProbeKind::Fentry: return "fentry";
  case ProbeKind::Fexit: return "fexit";
  case ProbeKind::Uprobe: return "uprobe";
  case ProbeKind::Uretprobe: return "uretprobe";
  case ProbeKind::Usdt: return "usdt";
  case ProbeKind::Profile: return "profile";
  case ProbeKind::Interval: return "interval";
  case ProbeKind::Software: return "software";
  case ProbeKind::Hardware: return "hardware";
  }
  return "?";
}

bool AttachPoint::hasWildcard() const {
  auto wild = [](const std::string &s) {
    return s.find_first_of("*?[") != std::string::npos;
  };
  return wild(target) || wild(func) || wild(provider);
}

} // namespace obs
