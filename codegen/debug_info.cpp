//===- debug_info.cpp - DWARF that becomes BTF and BTF line info ----------===//
//
// libbpf 1.x only accepts BTF-defined maps, and the BPF backend turns the
// module's DWARF into .BTF/.BTF.ext. So every map global gets the DWARF of
// the struct libbpf expects, every program a subprogram, and every lowered
// statement the line and column of its source range. The script text is
// embedded in the DIFile so that the verifier log shows script lines.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering.h"

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/IR/DebugInfoMetadata.h>

namespace obs::cg {

void Lowering::initDebugInfo() {
  dib = std::make_unique<llvm::DIBuilder>(M);
  M.addModuleFlag(llvm::Module::Warning, "Debug Info Version", llvm::DEBUG_METADATA_VERSION);
  M.addModuleFlag(llvm::Module::Warning, "Dwarf Version", 5);
  llvm::DIFile *main = diFile(in.program.range.file);
  cu = dib->createCompileUnit(llvm::dwarf::DW_LANG_C99, main, "obs", true, "", 0);
  diInt = dib->createBasicType("int", 32, llvm::dwarf::DW_ATE_signed);
  diU32 = dib->createBasicType("unsigned int", 32, llvm::dwarf::DW_ATE_unsigned);
  diI64 = dib->createBasicType("long long", 64, llvm::dwarf::DW_ATE_signed);
  diU64 = dib->createBasicType("unsigned long long", 64, llvm::dwarf::DW_ATE_unsigned);
  diU8 = dib->createBasicType("char", 8, llvm::dwarf::DW_ATE_signed_char);
  diVoidPtr = dib->createPointerType(nullptr, 64);
}

llvm::DIFile *Lowering::diFile(uint32_t fileId) {
  auto it = files.find(fileId);
  if (it != files.end())
    return it->second;
  std::string name = "<script>";
  std::optional<llvm::StringRef> source;
  if (fileId < in.sources.size()) {
    const SourceFile &f = in.sources.file(fileId);
    name = f.name();
    source = llvm::StringRef(f.text());
  }
  llvm::DIFile *f = dib->createFile(name, ".", std::nullopt, source);
  files[fileId] = f;
  return f;
}

static LineCol lineColOf(const SourceManager &sm, SourceRange r) {
  if (r.file < sm.size())
    return sm.file(r.file).lineCol(r.begin);
  return LineCol{};
}

llvm::DISubprogram *Lowering::beginSubprogram(llvm::Function *f, SourceRange where) {
  if (!dib)
    return nullptr;
  llvm::DIFile *file = diFile(where.file);
  unsigned line = lineColOf(in.sources, where).line;
  auto *fty = dib->createSubroutineType(dib->getOrCreateTypeArray({diInt, diVoidPtr}));
  llvm::DISubprogram *s = dib->createFunction(
      file, f->getName(), f->getName(), file, line, fty, line, llvm::DINode::FlagPrototyped,
      llvm::DISubprogram::SPFlagDefinition | llvm::DISubprogram::SPFlagOptimized);
  // A named parameter: the kernel rejects BTF functions with nameless args.
  dib->createParameterVariable(s, "ctx", 1, file, line, diVoidPtr, true);
  f->setSubprogram(s);
  return s;
}

void Lowering::setLocation(SourceRange r) {
  if (!sp)
    return;
  LineCol lc = lineColOf(in.sources, r);
  llvm::DIScope *scope = sp;
  if (r.file != in.program.range.file || sp->getFile() != diFile(r.file))
    scope = dib->createLexicalBlockFile(sp, diFile(r.file));
  B.SetCurrentDebugLocation(llvm::DILocation::get(C, lc.line, lc.col, scope));
}

namespace {
llvm::DIType *ptrToArrayOfInt(llvm::DIBuilder &dib, llvm::DIType *intTy, uint64_t n) {
  auto *arr = dib.createArrayType(n * 32, 32, intTy,
                                  dib.getOrCreateArray({dib.getOrCreateSubrange(0, n)}));
  return dib.createPointerType(arr, 64);
}
} // namespace

void Lowering::attachMapBtf(llvm::GlobalVariable *gv, uint32_t mapType, uint32_t maxEntries,
                            uint32_t keySize, const std::vector<contract::KeyField> *keyFields,
                            uint32_t valueSize, const contract::MapSpec *ms,
                            SourceRange where, uint32_t mapFlags) {
  if (!dib)
    return;
  llvm::DIFile *file = diFile(where.file);
  auto bytes = [&](uint32_t n) -> llvm::DIType * {
    return dib->createArrayType(uint64_t(n) * 8, 8, diU8,
                                dib->getOrCreateArray({dib->getOrCreateSubrange(0, n)}));
  };
  auto structOf = [&](const std::string &name, uint32_t size,
                      std::vector<std::pair<std::string, llvm::DIType *>> members,
                      std::vector<uint32_t> offsets) -> llvm::DIType * {
    auto *st = dib->createStructType(cu, name, file, 0, uint64_t(size) * 8, 64,
                                     llvm::DINode::FlagZero, nullptr, llvm::DINodeArray());
    llvm::SmallVector<llvm::Metadata *, 8> elems;
    for (size_t i = 0; i < members.size(); ++i)
      elems.push_back(dib->createMemberType(st, members[i].first, file, 0,
                                            members[i].second->getSizeInBits(), 0,
                                            uint64_t(offsets[i]) * 8, llvm::DINode::FlagZero,
                                            members[i].second));
    dib->replaceArrays(st, dib->getOrCreateArray(elems));
    return st;
  };

  // The key type.
  llvm::DIType *keyTy = nullptr;
  if (keySize) {
    if (!keyFields || keyFields->empty())
      keyTy = keySize == 4 ? diU32 : keySize == 8 ? diU64 : bytes(keySize);
    else {
      std::vector<std::pair<std::string, llvm::DIType *>> mem;
      std::vector<uint32_t> off;
      for (size_t i = 0; i < keyFields->size(); ++i) {
        const contract::KeyField &k = (*keyFields)[i];
        llvm::DIType *t = k.kind == contract::KeyField::Kind::String || k.size != 8
                              ? bytes(k.size)
                          : k.kind == contract::KeyField::Kind::Int  ? diI64
                                                                     : diU64;
        mem.push_back({"k" + std::to_string(i), t});
        off.push_back(k.offset);
      }
      keyTy = structOf("", keySize, mem, off);
    }
  }
  // The value type.
  llvm::DIType *valTy = nullptr;
  if (valueSize) {
    using VK = contract::ValueKind;
    if (!ms)
      valTy = valueSize == 8 ? diU64 : bytes(valueSize);
    else if (ms->windowed) // partials.h structs: words
      valTy = dib->createArrayType(uint64_t(valueSize) * 8, 64, diU64,
                                   dib->getOrCreateArray({dib->getOrCreateSubrange(0, valueSize / 8)}));
    else {
      switch (ms->kind) {
      case VK::Int: // 16 bytes: a usym() value and its tgid
        valTy = valueSize == 8 ? diI64 : bytes(valueSize);
        break;
      case VK::Count:
      case VK::Sum:
        valTy = diI64;
        break;
      case VK::String:
      case VK::Tuple:
      case VK::Rendered:
        valTy = bytes(valueSize);
        break;
      case VK::Min:
      case VK::Max:
        valTy = structOf("", 16, {{"value", diI64}, {"set", diU64}}, {0, 8});
        break;
      case VK::Avg:
      case VK::Stats:
        valTy = structOf("", 16, {{"total", diI64}, {"count", diU64}}, {0, 8});
        break;
      case VK::Hist:
      case VK::Lhist: {
        uint32_t n = valueSize / 8;
        valTy = dib->createArrayType(uint64_t(n) * 64, 64, diU64,
                                     dib->getOrCreateArray({dib->getOrCreateSubrange(0, n)}));
        break;
      }
      }
    }
  }

  std::vector<std::pair<std::string, llvm::DIType *>> members = {
      {"type", ptrToArrayOfInt(*dib, diInt, mapType)},
      {"max_entries", ptrToArrayOfInt(*dib, diInt, maxEntries)}};
  if (mapFlags)
    members.push_back({"map_flags", ptrToArrayOfInt(*dib, diInt, mapFlags)});
  if (keyTy)
    members.push_back({"key", dib->createPointerType(keyTy, 64)});
  if (valTy)
    members.push_back({"value", dib->createPointerType(valTy, 64)});
  std::vector<uint32_t> offsets;
  for (size_t i = 0; i < members.size(); ++i)
    offsets.push_back(uint32_t(i * 8));
  llvm::DIType *st = structOf("", uint32_t(members.size() * 8), members, offsets);
  LineCol lc = lineColOf(in.sources, where);
  auto *gve = dib->createGlobalVariableExpression(cu, gv->getName(), gv->getName(), file,
                                                  lc.line, st, false);
  gv->addDebugInfo(gve);
}

void Lowering::attachRodataBtf(llvm::GlobalVariable *gv) {
  if (!dib)
    return;
  auto *ty = dib->createQualifiedType(llvm::dwarf::DW_TAG_const_type,
                                      dib->createQualifiedType(llvm::dwarf::DW_TAG_volatile_type, diU64));
  auto *gve = dib->createGlobalVariableExpression(cu, gv->getName(), gv->getName(),
                                                  diFile(in.program.range.file), 0, ty, false);
  gv->addDebugInfo(gve);
}

void Lowering::finishDebugInfo() {
  if (dib)
    dib->finalize();
}

} // namespace obs::cg
