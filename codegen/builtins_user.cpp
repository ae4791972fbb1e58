//===- builtins_user.cpp - kaddr strftime buf cat system signal -----------===//
//
// The builtins whose work is finished by user space or by the kernel on the
// task's behalf:
//   kaddr("sym")      a constant, resolved from kallsyms at compile time
//   strftime(fmt, ns) a TimestampValue {format id, ns}; user space formats it
//   buf(p, n)         a buffer value {length, bytes}, printed hex-escaped
//   cat(fmt, ...)     a Cat record laid out as printf's: user space prints
//                     the file the formatted text names
//   system(fmt, ...)  a System record: user space runs the command
//   signal(sig)       bpf_send_signal, to the current process
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering.h"
#include "lang/sema/catalog/kernel_symbols.h"

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace obs::cg {

namespace {

/// A signal by name ("SIGKILL", "KILL", any case; "SIGRTMIN+3") or 0.
int signalNumber(std::string name) {
  for (char &ch : name)
    ch = char(toupper((unsigned char)ch));
  if (name.compare(0, 3, "SIG") == 0)
    name = name.substr(3);
  for (int i = 1; i < NSIG; ++i)
    if (const char *abbrev = sigabbrev_np(i); abbrev && name == abbrev)
      return i;
  // The kernel's real-time range is 32..64; glibc keeps 32 and 33.
  constexpr int kRtMin = 34, kRtMax = 64;
  bool min = name.compare(0, 5, "RTMIN") == 0,
       max = name.compare(0, 5, "RTMAX") == 0;
  if (!min && !max)
    return 0;
  if (name.size() == 5)
    return min ? kRtMin : kRtMax;
  char sign = name[5];
  int k = atoi(name.c_str() + 6);
  if (min && sign == '+' && k >= 0 && kRtMin + k <= kRtMax)
    return kRtMin + k;
  if (max && sign == '-' && k >= 0 && kRtMax - k >= kRtMin)
    return kRtMax - k;
  return 0;
}

} // namespace

llvm::Value *Lowering::lowerKaddr(Expr &e, Call &c) {
  const StringLit *lit =
      c.args.size() == 1 ? c.args[0]->as<StringLit>() : nullptr;
  if (!lit) {
    error(e.range, "kaddr() needs a kernel symbol name as a string literal");
    return nullptr;
  }
  std::optional<uint64_t> addr;
  if (in.kernelSymbol) {
    addr = in.kernelSymbol(lit->value);
  } else {
    // /proc/kallsyms, for front ends without a catalog.
    addr = runningKernelSymbols().address(lit->value);
    if (addr && !*addr)
      addr.reset();
  }
  if (!addr) {
    error(c.args[0]->range, "kaddr(): unknown kernel symbol '" + lit->value +
                                "' (not in kallsyms, or its addresses are "
                                "hidden from non-root users)");
    return nullptr;
  }
  return B.getInt64(*addr);
}

llvm::Value *Lowering::lowerStrftime(Expr &e, Call &c) {
  const StringLit *fmt =
      c.args.size() == 2 ? c.args[0]->as<StringLit>() : nullptr;
  if (!fmt) {
    error(e.range,
          "strftime() needs a format string literal and a time in nanoseconds");
    return nullptr;
  }
  llvm::Value *ns = lowerExpr(c.args[1]);
  if (!ns)
    return nullptr;
  contract::PrintfSpec ps;
  ps.format = fmt->value;
  uint32_t id = uint32_t(spec.formats.size());
  spec.formats.push_back(ps);
  llvm::Value *ts = allocMem(sizeof(contract::TimestampValue), "strftime");
  B.CreateStore(B.getInt64(id), ts);
  B.CreateStore(ns, bytePtr(ts, 8));
  return ts;
}

llvm::Value *Lowering::lowerBuf(Expr &e, Call &c) {
  if (c.args.empty() || c.args.size() > 2) {
    error(e.range, "buf() takes a pointer and a length");
    return nullptr;
  }
  uint32_t cap = e.type && e.type->size ? e.type->size : 64;
  uint32_t total = contract::kBufferHeader + align8(cap);
  Expr *srcExpr = c.args[0];
  llvm::Value *src = lowerExpr(srcExpr);
  if (!src)
    return nullptr;
  llvm::Value *n = nullptr; // the length asked for, i64
  uint64_t constLen = cap;
  bool constant = true;
  if (c.args.size() == 2) {
    if (auto *lit = c.args[1]->as<IntegerLit>()) {
      constLen = std::min<uint64_t>(lit->value, cap);
    } else {
      n = lowerExpr(c.args[1]);
      if (!n)
        return nullptr;
      constant = false;
    }
  }
  llvm::Value *buf = allocMem(total, "buf");
  zeroMem(buf,
          total); // deterministic bytes after the length: buffers are map keys
  llvm::Value *data = bytePtr(buf, contract::kBufferHeader);
  llvm::Value *len;
  if (src->getType()->isPointerTy()) {
    // Bytes we already hold (a string literal, an array field): copy them.
    uint32_t have =
        srcExpr->type && srcExpr->type->size ? srcExpr->type->size : cap;
    if (auto *s = srcExpr->as<StringLit>())
      have = std::min<uint32_t>(have, uint32_t(s->value.size() + 1));
    uint32_t m = std::min(have, cap);
    copyMem(data, src, m);
    if (constant) {
      len = B.getInt64(std::min<uint64_t>(constLen, m));
    } else {
      llvm::Value *big = B.CreateICmpUGT(n, B.getInt64(m));
      len = B.CreateSelect(big, B.getInt64(m), n);
    }
  } else {
    auto space = (attachKind == contract::AttachKind::Uprobe ||
                  attachKind == contract::AttachKind::Uretprobe)
                     ? HelperTarget::Space::User
                     : HelperTarget::Space::Any;
    llvm::Value *p = B.CreateIntToPtr(src, B.getPtrTy());
    if (constant) {
      if (constLen)
        H.probeRead(B, data, uint32_t(constLen), p, space);
      len = B.getInt64(constLen);
    } else {
      // The verifier needs the size bounded by the buffer: clamp, and keep
      // LLVM from folding the clamp away.
      llvm::Value *big = B.CreateICmpUGT(n, B.getInt64(cap));
      len = passthrough(B.CreateSelect(big, B.getInt64(cap), n));
      H.probeReadVar(B, data, len, p, space);
    }
  }
  B.CreateStore(len, buf);
  return buf;
}

llvm::Value *Lowering::lowerSignal(Expr &e, Call &c) {
  if (c.args.size() != 1) {
    error(e.range,
          "signal() takes one signal, a number or a name such as \"SIGKILL\"");
    return nullptr;
  }
  if (attachKind == contract::AttachKind::Begin ||
      attachKind == contract::AttachKind::End) {
    error(
        e.range,
        "signal() cannot be used in BEGIN and END probes (no task to signal)");
    return nullptr;
  }
  Expr *a = c.args[0];
  llvm::Value *sig;
  if (auto *s = a->as<StringLit>()) {
    int n = signalNumber(s->value);
    if (!n) {
      error(a->range, "signal(): '" + s->value + "' is not a signal name");
      return nullptr;
    }
    sig = B.getInt64(uint64_t(n));
  } else if (auto *lit = a->as<IntegerLit>()) {
    if (lit->value < 1 || lit->value > 64) {
      error(a->range, "signal(): " + std::to_string(lit->value) +
                          " is not a signal number (1 to 64)");
      return nullptr;
    }
    sig = B.getInt64(lit->value);
  } else {
    if (a->type && a->type->isString()) {
      error(a->range, "signal(): a signal name must be a string literal");
      return nullptr;
    }
    sig = lowerExpr(a);
    if (!sig)
      return nullptr;
    // A number out of range is refused by the helper (-EINVAL); nothing sent.
  }
  H.sendSignal(B, sig);
  return B.getInt64(0);
}

} // namespace obs::cg
