//===- types.cpp - interned types and unit dimensions ---------------------===//
//
// Every type but a record is interned under a canonical key built from its
// kind, its scalar attributes and the addresses of its (already interned)
// component types, so structurally equal types share one pointer. Records
// are nominal: one per name, owned by the table and filled by type sources.
//
//===----------------------------------------------------------------------===//
#include "lang/sema/types.h"

#include <algorithm>
#include <cstdio>

namespace obs {

//===-- Quantity ----------------------------------------------------------===//

std::string Quantity::describe() const {
  switch (base) {
  case Plain:
  case Count:
    if (perSecond)
      return "a rate (per second)";
    return base == Plain ? "a plain number" : "a count";
  case Size: return perSecond ? "a size per second" : "a size";
  case Duration: return perSecond ? "a duration per second" : "a duration";
  }
  return "a plain number";
}

Quantity Quantity::fromLiteral(Unit u) {
  Quantity q;
  switch (u) {
  case Unit::None: break;
  case Unit::Duration: q.base = Duration; break;
  case Unit::Size: q.base = Size; break;
  case Unit::Rate:
    q.base = Count;
    q.perSecond = true;
    break;
  case Unit::ByteRate:
    q.base = Size;
    q.perSecond = true;
    break;
  }
  return q;
}

const char *aggregationName(AggregationKind k) {
  switch (k) {
  case AggregationKind::Count: return "count";
  case AggregationKind::Sum: return "sum";
  case AggregationKind::Avg: return "avg";
  case AggregationKind::Min: return "min";
  case AggregationKind::Max: return "max";
  case AggregationKind::Stats: return "stats";
  case AggregationKind::Hist: return "hist";
  case AggregationKind::Lhist: return "lhist";
  case AggregationKind::Rate: return "rate";
  case AggregationKind::Slope: return "slope";
  case AggregationKind::R2: return "r2";
  case AggregationKind::Predict: return "predict";
  case AggregationKind::Quantile: return "quantile";
  }
  return "?";
}

//===-- Type --------------------------------------------------------------===//

const std::vector<Field> &Type::recordFields() const {
  if (fillFields) {
    // Records live in the TypeTable's storage as non-const objects; the
    // const view only hides the one-time fill.
    auto fill = std::move(fillFields);
    fillFields = nullptr;
    fill(const_cast<Type &>(*this));
  }
  return fields;
}

const Field *Type::field(const std::string &n) const {
  for (const Field &f : recordFields())
    if (f.name == n)
      return &f;
  return nullptr;
}

namespace {

/// Short unit tag used in type spellings: "uint64 [size]".
const char *quantityTag(Quantity q) {
  switch (q.base) {
  case Quantity::Plain: return q.perSecond ? "/s" : "";
  case Quantity::Count: return q.perSecond ? "count/s" : "count";
  case Quantity::Size: return q.perSecond ? "size/s" : "size";
  case Quantity::Duration: return q.perSecond ? "duration/s" : "duration";
  }
  return "";
}

uint32_t alignOf(const Type *t) {
  switch (t->kind) {
  case TypeKind::Integer: return std::max(1u, std::min(8u, t->bits / 8));
  case TypeKind::Array: return t->pointee ? alignOf(t->pointee) : 1;
  case TypeKind::String:
  case TypeKind::Buffer:
  case TypeKind::Void: return 1;
  case TypeKind::Inet: return 4;
  case TypeKind::Record: {
    uint32_t a = 1;
    for (const Field &f : t->recordFields())
      if (f.type)
        a = std::max(a, alignOf(f.type));
    return a;
  }
  case TypeKind::Tuple: {
    uint32_t a = 1;
    for (const Type *e : t->elements)
      a = std::max(a, alignOf(e));
    return a;
  }
  default: return 8;
  }
}

uint32_t alignUp(uint32_t v, uint32_t a) { return (v + a - 1) / a * a; }

} // namespace

uint32_t Type::storageSize() const {
  switch (kind) {
  case TypeKind::Void: return 0;
  case TypeKind::Integer: return std::max(1u, bits / 8);
  case TypeKind::Float: return 8;
  case TypeKind::String: return size;
  case TypeKind::Buffer: return 1 + size; // a length byte, then the bytes
  case TypeKind::Pointer:
  case TypeKind::Symbol:
  case TypeKind::Timestamp: return 8;
  case TypeKind::Array: return pointee ? pointee->storageSize() * count : 0;
  case TypeKind::Record: return size;
  case TypeKind::Tuple: {
    // C layout: each element at its natural alignment, the whole padded.
    uint32_t off = 0, align = 1;
    for (const Type *e : elements) {
      uint32_t a = alignOf(e);
      align = std::max(align, a);
      off = alignUp(off, a) + e->storageSize();
    }
    return alignUp(off, align);
  }
  case TypeKind::Stack: return 8 * count; // the frames, as addresses
  case TypeKind::Inet: return 20; // address family (4) + up to 16 address bytes
  case TypeKind::Aggregation:
    // The mergeable partial state of one slot.
    switch (aggregation) {
    case AggregationKind::Count:
    case AggregationKind::Sum:
    case AggregationKind::Min:
    case AggregationKind::Max:
    case AggregationKind::Rate: return 8;
    case AggregationKind::Avg:
    case AggregationKind::Stats: return 16; // count, sum
    case AggregationKind::Hist:
      return 8 * 66; // log2 buckets: negative, zero, 2^0..2^63
    case AggregationKind::Lhist:
      return 8 * count; // `count` linear buckets, decided by sema
    case AggregationKind::Slope:
    case AggregationKind::R2:
    case AggregationKind::Predict:
      return 40; // n, Σt, Σv, Σtv, Σt² (plus Σv² for r2 kept by codegen)
    case AggregationKind::Quantile: return 8 * count;
    }
    return 8;
  }
  return 0;
}

std::string Type::str() const {
  switch (kind) {
  case TypeKind::Void: return "void";
  case TypeKind::Integer: {
    std::string s = (isSigned ? "int" : "uint") + std::to_string(bits);
    if (const char *tag = quantityTag(quantity); *tag)
      s += std::string(" [") + tag + "]";
    return s;
  }
  case TypeKind::Float: {
    std::string s = "float";
    if (const char *tag = quantityTag(quantity); *tag)
      s += std::string(" [") + tag + "]";
    return s;
  }
  case TypeKind::String:
    return size ? "string[" + std::to_string(size) + "]" : "string[]";
  case TypeKind::Buffer: return "buffer[" + std::to_string(size) + "]";
  case TypeKind::Pointer: {
    std::string p = pointee ? pointee->str() : "void";
    return p + (p.back() == '*' ? "*" : " *");
  }
  case TypeKind::Array:
    return (pointee ? pointee->str() : "void") + "[" + std::to_string(count) +
           "]";
  case TypeKind::Record: return name;
  case TypeKind::Tuple: {
    std::string s = "(";
    for (size_t i = 0; i < elements.size(); ++i)
      s += (i ? ", " : "") + elements[i]->str();
    return s + ")";
  }
  case TypeKind::Stack:
    return std::string(isUser ? "ustack" : "kstack") + "[" +
           std::to_string(count) + "]";
  case TypeKind::Symbol: return isUser ? "usym" : "ksym";
  case TypeKind::Aggregation: {
    std::string s = aggregationName(aggregation);
    if (const char *tag = quantityTag(quantity); *tag)
      s += std::string(" [") + tag + "]";
    return s;
  }
  case TypeKind::Timestamp: return "timestamp";
  case TypeKind::Inet: return "inet";
  }
  return "?";
}

//===-- TypeTable ---------------------------------------------------------===//

namespace {

std::string ptrKey(const Type *t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", static_cast<const void *>(t));
  return buf;
}

/// The canonical key of a non-record type. Component types are already
/// unique, so their addresses identify them.
std::string keyOf(const Type &t) {
  std::string k = std::to_string(static_cast<int>(t.kind));
  k += ':' + std::to_string(t.bits) + ':' + (t.isSigned ? "s" : "u");
  k +=
      ':' + std::to_string(t.quantity.base) + (t.quantity.perSecond ? "/" : "");
  k += ':' + std::to_string(t.size) + ':' + std::to_string(t.count);
  k += ':' + std::string(t.isUser ? "U" : "K");
  k += ':' + std::to_string(static_cast<int>(t.aggregation));
  k += ':' + ptrKey(t.pointee) + ':' + ptrKey(t.valueType);
  for (const Type *e : t.elements)
    k += ',' + ptrKey(e);
  return k;
}

} // namespace

TypeTable::TypeTable() { void_ = intern(Type{}); }

const Type *TypeTable::intern(Type t) {
  std::string key = keyOf(t);
  auto it = interned_.find(key);
  if (it != interned_.end())
    return it->second;
  storage_.push_back(std::move(t));
  const Type *p = &storage_.back();
  interned_.emplace(std::move(key), p);
  return p;
}

const Type *TypeTable::integer(unsigned bits, bool isSigned, Quantity q) {
  Type t;
  t.kind = TypeKind::Integer;
  t.bits = bits;
  t.isSigned = isSigned;
  t.quantity = q;
  return intern(std::move(t));
}

const Type *TypeTable::floating(Quantity q) {
  Type t;
  t.kind = TypeKind::Float;
  t.bits = 64;
  t.quantity = q;
  return intern(std::move(t));
}

const Type *TypeTable::string(uint32_t size) {
  Type t;
  t.kind = TypeKind::String;
  t.size = size;
  return intern(std::move(t));
}

const Type *TypeTable::buffer(uint32_t size) {
  Type t;
  t.kind = TypeKind::Buffer;
  t.size = size;
  return intern(std::move(t));
}

const Type *TypeTable::pointer(const Type *pointee) {
  Type t;
  t.kind = TypeKind::Pointer;
  t.pointee = pointee ? pointee : void_;
  return intern(std::move(t));
}

const Type *TypeTable::array(const Type *element, uint32_t count) {
  Type t;
  t.kind = TypeKind::Array;
  t.pointee = element;
  t.count = count;
  t.size = element ? element->storageSize() * count : 0;
  return intern(std::move(t));
}

const Type *TypeTable::tuple(const std::vector<const Type *> &elements) {
  Type t;
  t.kind = TypeKind::Tuple;
  t.elements = elements;
  return intern(std::move(t));
}

const Type *TypeTable::stack(bool isUser, uint32_t frames) {
  Type t;
  t.kind = TypeKind::Stack;
  t.isUser = isUser;
  t.count = frames;
  return intern(std::move(t));
}

const Type *TypeTable::symbol(bool isUser) {
  Type t;
  t.kind = TypeKind::Symbol;
  t.isUser = isUser;
  return intern(std::move(t));
}

const Type *TypeTable::aggregation(AggregationKind k, const Type *valueType,
                                   Quantity q) {
  Type t;
  t.kind = TypeKind::Aggregation;
  t.aggregation = k;
  t.valueType = valueType;
  t.quantity = q;
  return intern(std::move(t));
}

const Type *TypeTable::timestamp() {
  Type t;
  t.kind = TypeKind::Timestamp;
  return intern(std::move(t));
}

const Type *TypeTable::inet() {
  Type t;
  t.kind = TypeKind::Inet;
  return intern(std::move(t));
}

Type *TypeTable::createRecord(const std::string &name, bool isUnion) {
  auto it = records_.find(name);
  if (it != records_.end()) {
    Type *old = it->second;
    if (!old->fields.empty() || old->size != 0)
      return nullptr; // a complete record of that name exists: use record()
    // Reuse the incomplete record in place: pointers to it (forward
    // declarations, cycles) stay valid and see the fields once filled.
    old->isUnion = isUnion;
    return old;
  }
  Type t;
  t.kind = TypeKind::Record;
  t.name = name;
  t.isUnion = isUnion;
  storage_.push_back(std::move(t));
  Type *p = &storage_.back();
  records_.emplace(name, p);
  return p;
}

const Type *TypeTable::record(const std::string &name) const {
  auto it = records_.find(name);
  return it == records_.end() ? nullptr : it->second;
}

} // namespace obs
