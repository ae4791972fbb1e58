//===- memory.cpp - where lowered values live -----------------------------===//
//
// Integers are SSA values. Strings, tuples and keys are fixed-size buffers:
// small ones on the BPF stack (512 bytes in all, so we keep to a budget),
// larger ones at compile-time offsets in the per-CPU scratch map, whose base
// pointer each program looks up once in its prologue.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering.h"

#include <llvm/IR/IntrinsicsBPF.h>

namespace obs::cg {

namespace {
constexpr uint32_t kStackBufferMax = 64;  // larger buffers go to scratch
constexpr uint32_t kStackBudget = 320;    // of the 512-byte BPF stack
} // namespace

uint32_t slotSize(const Type *t) {
  if (!t)
    return 8;
  switch (t->kind) {
  case TypeKind::String:
    return align8(t->size ? t->size : 64);
  case TypeKind::Buffer: // contract.h: a length, then the bytes
    return contract::kBufferHeader + align8(t->size ? t->size : 64);
  case TypeKind::Timestamp:
    return sizeof(contract::TimestampValue);
  case TypeKind::Tuple: {
    uint32_t n = 0;
    for (const Type *e : t->elements)
      n += slotSize(e);
    return n;
  }
  case TypeKind::Record:
  case TypeKind::Array:
    return align8(t->size);
  case TypeKind::Stack: // a stack id; a user one then the tgid it belongs to
    return t->isUser ? 16 : 8;
  case TypeKind::Symbol: // an address; a user one then its tgid
    return t->isUser ? 16 : 8;
  case TypeKind::Inet:
    return 24; // contract::InetAddr
  default:
    return 8;
  }
}

bool isMemoryType(const Type *t) {
  return t && (t->kind == TypeKind::String || t->kind == TypeKind::Buffer ||
               t->kind == TypeKind::Inet || t->kind == TypeKind::Timestamp ||
               t->kind == TypeKind::Tuple || t->kind == TypeKind::Record ||
               t->kind == TypeKind::Array);
}

llvm::Value *Lowering::allocI64(const char *name) {
  llvm::IRBuilder<> eb(entryBlock, entryBlock->begin());
  stackUsed += 8;
  return eb.CreateAlloca(B.getInt64Ty(), nullptr, name);
}

llvm::Value *Lowering::allocMem(uint32_t size, const char *name) {
  uint32_t n = align8(size ? size : 8);
  if (n <= kStackBufferMax && stackUsed + n <= kStackBudget) {
    stackUsed += n;
    llvm::IRBuilder<> eb(entryBlock, entryBlock->begin());
    auto *a = eb.CreateAlloca(llvm::ArrayType::get(B.getInt8Ty(), n), nullptr, name);
    a->setAlignment(llvm::Align(8));
    return a;
  }
  uint32_t off = scratchUsed;
  scratchUsed += n;
  scratchMax = std::max(scratchMax, scratchUsed);
  if (scratchUsed > contract::kMaxScratchBytes && !failed)
    error(SourceRange{}, "the program needs more than " +
                             std::to_string(contract::kMaxScratchBytes) +
                             " bytes of scratch memory for strings and keys");
  // The base and every offset from it are computed in the prologue, which
  // dominates the whole body: a buffer made in one branch may be read later.
  llvm::IRBuilder<> pb(prologue->getTerminator());
  if (!scratchBase) {
    FixedMap &scratch = fixedMap(contract::kScratchMap);
    llvm::IRBuilder<> eb(entryBlock, entryBlock->begin());
    auto *key = eb.CreateAlloca(eb.getInt32Ty(), nullptr, "scratch.key");
    stackUsed += 4;
    pb.CreateStore(pb.getInt32(0), key);
    scratchBase = H.mapLookup(pb, scratch.gv, key);
    llvm::Instruction *term = prologue->getTerminator();
    pb.SetInsertPoint(term);
    auto *br = pb.CreateCondBr(pb.CreateIsNull(scratchBase), exitBlock, bodyBlock);
    term->eraseFromParent();
    pb.SetInsertPoint(br);
  }
  if (off == 0)
    return scratchBase;
  return pb.CreateInBoundsGEP(pb.getInt8Ty(), scratchBase, pb.getInt64(off));
}

llvm::Value *Lowering::bytePtr(llvm::Value *base, uint64_t offset) {
  if (offset == 0)
    return base;
  return B.CreateInBoundsGEP(B.getInt8Ty(), base, B.getInt64(offset));
}

// The BPF backend expands memcpy/memset inline only up to 1 KB (there is no
// library call to fall back on): larger copies go in chunks.
constexpr uint32_t kMemChunk = 512;

void Lowering::copyMem(llvm::Value *dst, llvm::Value *src, uint32_t size) {
  for (uint32_t off = 0; off < size; off += kMemChunk)
    B.CreateMemCpy(bytePtr(dst, off), llvm::MaybeAlign(8), bytePtr(src, off), llvm::MaybeAlign(8),
                   std::min(kMemChunk, size - off));
}

void Lowering::zeroMem(llvm::Value *dst, uint32_t size, uint32_t align) {
  // `align` must be true of dst: the BPF backend turns a memset it believes
  // aligned into wide stores, and the verifier rejects misaligned ones.
  for (uint32_t off = 0; off < size; off += kMemChunk)
    B.CreateMemSet(bytePtr(dst, off), B.getInt8(0), std::min(kMemChunk, size - off),
                   llvm::commonAlignment(llvm::Align(align), off));
}

void Lowering::copyString(llvm::Value *dst, uint32_t dstSize, llvm::Value *src,
                          uint32_t srcSize) {
  uint32_t n = std::min(dstSize, srcSize);
  copyMem(dst, src, n);
  if (dstSize > n) // dst is 8-aligned; dst + n only as far as n says
    zeroMem(bytePtr(dst, n), dstSize - n, uint32_t(llvm::commonAlignment(llvm::Align(8), n).value()));
  else if (srcSize > dstSize && dstSize)
    B.CreateStore(B.getInt8(0), bytePtr(dst, dstSize - 1));
}

llvm::Value *Lowering::passthrough(llvm::Value *v) {
  // An identity the O2 pipeline cannot see through, removed just before
  // instruction selection: keeps bounds checks the verifier needs, which
  // LLVM would otherwise prove redundant and delete.
  llvm::Function *f = llvm::Intrinsic::getDeclaration(&M, llvm::Intrinsic::bpf_passthrough,
                                                      {v->getType(), v->getType()});
  return B.CreateCall(f, {B.getInt32(passthroughSeq++), v});
}

void Lowering::convertElements(llvm::Value *dst, const std::vector<const Type *> &to,
                               llvm::Value *v, const std::vector<const Type *> &from) {
  uint32_t dOff = 0, sOff = 0;
  for (size_t i = 0; i < to.size() && i < from.size(); ++i) {
    const Type *dt = to[i], *st = from[i];
    llvm::Value *src = bytePtr(v, sOff);
    if (isMemoryType(st))
      convertValue(bytePtr(dst, dOff), dt, src, st);
    else if (slotSize(st) == 16 && slotSize(dt) == 16) // a user address and its tgid
      copyMem(bytePtr(dst, dOff), src, 16);
    else
      B.CreateStore(B.CreateLoad(B.getInt64Ty(), src), bytePtr(dst, dOff));
    dOff += slotSize(dt);
    sOff += slotSize(st);
  }
}

void Lowering::convertValue(llvm::Value *dst, const Type *to, llvm::Value *v,
                            const Type *from) {
  if (!v->getType()->isPointerTy()) {
    B.CreateStore(v, dst);
    return;
  }
  if (to && to->kind == TypeKind::Tuple && from && from->kind == TypeKind::Tuple &&
      to->elements.size() == from->elements.size()) {
    convertElements(dst, to->elements, v, from->elements);
    return;
  }
  uint32_t dSize = to && to->kind == TypeKind::String ? (to->size ? to->size : 64) : slotSize(to);
  uint32_t sSize = from && from->kind == TypeKind::String ? (from->size ? from->size : 64)
                                                          : slotSize(from);
  if (to && to->kind == TypeKind::String) {
    copyString(dst, dSize, v, sSize);
    if (align8(dSize) > dSize)
      zeroMem(bytePtr(dst, dSize), align8(dSize) - dSize,
              uint32_t(llvm::commonAlignment(llvm::Align(8), dSize).value()));
  } else {
    copyMem(dst, v, std::min(dSize, sSize));
  }
}

void Lowering::error(SourceRange r, const std::string &msg) {
  failed = true;
  diags.report(DiagKind::bad_probe_arg, r, {msg});
}

} // namespace obs::cg
