//===- btf_source.cpp - kernel BTF as obs Types, one type at a time
//--------===//
#include "lang/sema/catalog/btf_source.h"

#include <algorithm>
#include <bpf/btf.h>
#include <cerrno>
#include <cstring>

namespace obs {

namespace {

const std::string kRawTracepointPrefix = "btf_trace_";

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

} // namespace

std::unique_ptr<BtfSource>
BtfSource::load(TypeTable &types, const std::string &path, std::string &err) {
  struct btf *b = btf__parse(path.c_str(), nullptr);
  if (!b) {
    err = "cannot read BTF from " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<BtfSource>(new BtfSource(types, b));
}

BtfSource::~BtfSource() {
  detach();
  btf__free(btf_);
}

void BtfSource::detach() {
  for (Type *r : lazyRecords_)
    r->fillFields = nullptr;
  lazyRecords_.clear();
}

uint32_t BtfSource::skipModifiers(uint32_t id) const {
  for (;;) {
    const struct btf_type *t = btf__type_by_id(btf_, id);
    if (!t)
      return 0;
    switch (btf_kind(t)) {
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG: id = t->type; continue;
    default: return id;
    }
  }
}

const Type *BtfSource::convert(uint32_t id, const std::string &nameHint) {
  if (id == 0)
    return types_.voidType();
  if (auto it = converted_.find(id); it != converted_.end())
    return it->second;
  const struct btf_type *t = btf__type_by_id(btf_, id);
  if (!t)
    return types_.voidType();
  const char *rawName = btf__name_by_offset(btf_, t->name_off);
  std::string name = rawName ? rawName : "";
  const Type *out = types_.voidType();
  switch (btf_kind(t)) {
  case BTF_KIND_INT: {
    uint8_t enc = btf_int_encoding(t);
    unsigned bits = t->size * 8;
    if (enc & BTF_INT_BOOL)
      out = types_.integer(8, false);
    else
      out = types_.integer(bits, (enc & BTF_INT_SIGNED) || name == "char");
    break;
  }
  case BTF_KIND_FLOAT: out = types_.floating(); break;
  case BTF_KIND_ENUM:
  case BTF_KIND_ENUM64: out = types_.integer(t->size * 8, btf_kflag(t)); break;
  case BTF_KIND_PTR: {
    uint32_t target = skipModifiers(t->type);
    const struct btf_type *tt = btf__type_by_id(btf_, target);
    // Function pointers are opaque.
    if (tt && btf_kind(tt) == BTF_KIND_FUNC_PROTO)
      out = types_.pointer(types_.voidType());
    else
      out = types_.pointer(convert(t->type));
    break;
  }
  case BTF_KIND_ARRAY: {
    const struct btf_array *a = btf_array(t);
    uint32_t elemId = skipModifiers(a->type);
    const struct btf_type *et = btf__type_by_id(btf_, elemId);
    const char *en = et ? btf__name_by_offset(btf_, et->name_off) : nullptr;
    // `char comm[16]` reads as a string, as in bpftrace.
    if (et && btf_is_int(et) && et->size == 1 &&
        ((btf_int_encoding(et) & BTF_INT_CHAR) ||
         (en && std::strcmp(en, "char") == 0)))
      out = types_.string(a->nelems);
    else
      out = types_.array(convert(a->type), a->nelems);
    break;
  }
  case BTF_KIND_STRUCT:
  case BTF_KIND_UNION: {
    bool isUnion = btf_is_union(t);
    std::string recName;
    if (!name.empty())
      recName = std::string(isUnion ? "union " : "struct ") + name;
    else if (!nameHint.empty())
      recName = nameHint;
    else
      recName = std::string(isUnion ? "union " : "struct ") +
                "<anon:" + std::to_string(id) + ">";
    Type *rec = types_.createRecord(recName, isUnion);
    if (!rec) {
      // A complete record of that name exists (a duplicate in BTF, or made
      // by another source): BTF ids of one name describe one C type.
      out = types_.record(recName);
      break;
    }
    rec->size = t->size;
    converted_[id] = rec; // before the fields: they may point back here
    rec->fillFields = [this, id](Type &r) { fillRecord(r, id); };
    lazyRecords_.push_back(rec);
    return rec;
  }
  case BTF_KIND_FWD: {
    // Resolve a forward declaration to the full definition when BTF has one.
    int kind = btf_kflag(t) ? BTF_KIND_UNION : BTF_KIND_STRUCT;
    int full = find(name.c_str(), kind);
    if (full > 0) {
      out = convert(static_cast<uint32_t>(full));
    } else {
      std::string recName =
          std::string(kind == BTF_KIND_UNION ? "union " : "struct ") + name;
      Type *rec = types_.createRecord(recName, kind == BTF_KIND_UNION);
      out = rec ? rec : types_.record(recName);
    }
    break;
  }
  case BTF_KIND_TYPEDEF: {
    // An anonymous struct behind a typedef takes the typedef's name.
    out = convert(t->type, name);
    break;
  }
  case BTF_KIND_CONST:
  case BTF_KIND_VOLATILE:
  case BTF_KIND_RESTRICT:
  case BTF_KIND_TYPE_TAG: out = convert(t->type, nameHint); break;
  default: // FUNC, FUNC_PROTO, VAR, DATASEC, DECL_TAG: no value type
    out = types_.voidType();
    break;
  }
  converted_[id] = out;
  return out;
}

void BtfSource::fillRecord(Type &rec, uint32_t id) {
  const struct btf_type *t = btf__type_by_id(btf_, id);
  if (!t)
    return;
  const struct btf_member *m = btf_members(t);
  uint16_t n = btf_vlen(t);
  for (uint16_t i = 0; i < n; ++i, ++m) {
    const char *mn = btf__name_by_offset(btf_, m->name_off);
    uint32_t bitOff = btf_member_bit_offset(t, i);
    uint32_t bitSize = btf_member_bitfield_size(t, i);
    const Type *mt = convert(m->type);
    if ((!mn || !*mn) && mt->isRecord()) {
      // Anonymous struct/union member: its fields belong to this record,
      // as in C (`task->__state` style access through unnamed unions).
      for (const Field &inner : mt->recordFields()) {
        Field f = inner;
        uint32_t bits = bitOff + inner.offset * 8 + inner.bitOffset;
        f.offset = bits / 8;
        f.bitOffset = inner.bitSize ? bits % 8 : 0;
        rec.fields.push_back(std::move(f));
      }
      continue;
    }
    Field f;
    f.name = mn ? mn : "";
    f.type = mt;
    f.offset = bitOff / 8;
    f.bitSize = bitSize;
    f.bitOffset = bitSize ? bitOff % 8 : 0;
    rec.fields.push_back(std::move(f));
  }
}

const Type *BtfSource::typeByName(const std::string &rawName) {
  std::string name = trim(rawName);
  if (auto it = byName_.find(name); it != byName_.end())
    return it->second;
  const Type *out = nullptr;
  if (!name.empty() && name.back() == '*') {
    if (const Type *inner = typeByName(name.substr(0, name.size() - 1)))
      out = types_.pointer(inner);
  } else {
    int kinds[3] = {-1, -1, -1};
    std::string bare = name;
    auto strip = [&](const char *prefix) {
      size_t n = std::strlen(prefix);
      if (name.compare(0, n, prefix) == 0) {
        bare = trim(name.substr(n));
        return true;
      }
      return false;
    };
    if (strip("struct "))
      kinds[0] = BTF_KIND_STRUCT, kinds[1] = BTF_KIND_FWD;
    else if (strip("union "))
      kinds[0] = BTF_KIND_UNION, kinds[1] = BTF_KIND_FWD;
    else if (strip("enum "))
      kinds[0] = BTF_KIND_ENUM, kinds[1] = BTF_KIND_ENUM64;
    else
      kinds[0] = BTF_KIND_TYPEDEF, kinds[1] = BTF_KIND_INT,
      kinds[2] = BTF_KIND_FLOAT;
    for (int k : kinds) {
      if (k < 0)
        break;
      int id = find(bare.c_str(), k);
      if (id <= 0 && k == BTF_KIND_INT) {
        // C spellings of base types, as the kernel's DWARF names them.
        static const std::unordered_map<std::string, const char *> gcc = {
            {"unsigned long", "long unsigned int"},
            {"unsigned long int", "long unsigned int"},
            {"long", "long int"},
            {"signed long", "long int"},
            {"unsigned long long", "long long unsigned int"},
            {"long long", "long long int"},
            {"unsigned short", "short unsigned int"},
            {"short", "short int"},
            {"unsigned", "unsigned int"},
            {"signed", "int"},
            {"signed char", "signed char"},
            {"bool", "_Bool"}};
        if (auto it = gcc.find(bare); it != gcc.end())
          id = find(it->second, k);
      }
      if (id > 0) {
        out = convert(static_cast<uint32_t>(id));
        break;
      }
    }
  }
  if (out && out->isRecord())
    out->recordFields(); // what was asked for by name is complete
  byName_[name] = out;
  return out;
}

void BtfSource::indexNames() {
  if (indexed_)
    return;
  indexed_ = true;
  uint32_t n = btf__type_cnt(btf_);
  size_t prefixLen = kRawTracepointPrefix.size();
  for (uint32_t id = 1; id < n; ++id) {
    const struct btf_type *t = btf__type_by_id(btf_, id);
    int kind = btf_kind(t);
    if (kind != BTF_KIND_FUNC && kind != BTF_KIND_TYPEDEF)
      continue;
    const char *name = btf__name_by_offset(btf_, t->name_off);
    if (!name || !*name)
      continue;
    if (kind == BTF_KIND_FUNC) {
      if (functionIds_.emplace(name, id).second)
        functionNames_.push_back(name);
    } else if (std::strncmp(name, kRawTracepointPrefix.c_str(), prefixLen) ==
               0) {
      std::string tp = name + prefixLen;
      if (rawTracepointIds_.emplace(tp, id).second)
        rawTracepointNames_.push_back(tp);
    }
  }
  std::sort(functionNames_.begin(), functionNames_.end());
  std::sort(rawTracepointNames_.begin(), rawTracepointNames_.end());
}

const std::vector<std::string> &BtfSource::functionNames() {
  indexNames();
  return functionNames_;
}

int BtfSource::find(const std::string &name, int kind) {
  // A few lookups are cheaper as libbpf's linear searches; many (wildcard
  // expansions, big scripts) pay for one index of every named type.
  if (!byKindName_.empty() || ++linearLookups_ > kLinearLookups) {
    if (byKindName_.empty()) {
      uint32_t n = btf__type_cnt(btf_);
      byKindName_.reserve(n);
      for (uint32_t id = 1; id < n; ++id) {
        const struct btf_type *t = btf__type_by_id(btf_, id);
        const char *nm = btf__name_by_offset(btf_, t->name_off);
        if (nm && *nm)
          byKindName_.emplace(std::string(1, char(btf_kind(t))) + nm, id);
      }
    }
    auto it = byKindName_.find(std::string(1, char(kind)) + name);
    return it == byKindName_.end() ? -1 : static_cast<int>(it->second);
  }
  return btf__find_by_name_kind(btf_, name.c_str(), kind);
}

bool BtfSource::hasFunction(const std::string &name) {
  if (indexed_)
    return functionIds_.count(name) != 0;
  return find(name.c_str(), BTF_KIND_FUNC) > 0;
}

const std::vector<std::string> &BtfSource::rawTracepointNames() {
  indexNames();
  return rawTracepointNames_;
}

std::optional<FunctionSignature> BtfSource::signature(const std::string &name,
                                                      uint32_t protoId,
                                                      bool dropFirst,
                                                      std::string &err) {
  const struct btf_type *proto = btf__type_by_id(btf_, protoId);
  if (!proto || !btf_is_func_proto(proto)) {
    err = "BTF for '" + name + "' is not a function prototype";
    return std::nullopt;
  }
  FunctionSignature sig;
  sig.name = name;
  sig.returnType = convert(proto->type);
  const struct btf_param *p = btf_params(proto);
  uint16_t n = btf_vlen(proto);
  for (uint16_t i = 0; i < n; ++i, ++p) {
    if (i == 0 && dropFirst)
      continue;
    if (p->type == 0 && i == n - 1) { // `...`
      sig.variadic = true;
      break;
    }
    FunctionParam fp;
    const char *pn = btf__name_by_offset(btf_, p->name_off);
    fp.name = pn && *pn ? pn : "arg" + std::to_string(sig.params.size());
    fp.type = convert(p->type);
    sig.params.push_back(std::move(fp));
  }
  return sig;
}

std::optional<FunctionSignature> BtfSource::function(const std::string &name,
                                                     std::string &err) {
  // One lookup does not need the whole index.
  int id = find(name.c_str(), BTF_KIND_FUNC);
  if (id <= 0) {
    err = "kernel function '" + name + "' is not in BTF";
    return std::nullopt;
  }
  return signature(name, btf__type_by_id(btf_, id)->type, false, err);
}

std::optional<FunctionSignature>
BtfSource::rawTracepoint(const std::string &name, std::string &err) {
  // The kernel's __bpf_trace_NAME function has the same parameters and
  // their names; the btf_trace_NAME typedef has only types.
  int fn = find(("__bpf_trace_" + name).c_str(), BTF_KIND_FUNC);
  if (fn > 0) {
    auto sig = signature(name, btf__type_by_id(btf_, fn)->type, true, err);
    if (sig) {
      sig->returnType = types_.voidType();
      return sig;
    }
  }
  int id = find((kRawTracepointPrefix + name).c_str(), BTF_KIND_TYPEDEF);
  if (id <= 0) {
    err = "raw tracepoint '" + name + "' is not in BTF (no btf_trace_" + name +
          ")";
    return std::nullopt;
  }
  // typedef void (*btf_trace_NAME)(void *__data, args...);
  uint32_t ptr = skipModifiers(btf__type_by_id(btf_, id)->type);
  const struct btf_type *pt = btf__type_by_id(btf_, ptr);
  if (!pt || !btf_is_ptr(pt)) {
    err = "btf_trace_" + name + " is not a function pointer";
    return std::nullopt;
  }
  auto sig = signature(name, skipModifiers(pt->type), true, err);
  if (sig)
    sig->returnType = types_.voidType();
  return sig;
}

} // namespace obs
