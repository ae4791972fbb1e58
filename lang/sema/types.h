//===- types.h - the types of obs values ----------------------------------===//
//
// Types are interned in a TypeTable, so two types are equal exactly when
// their pointers are. Integers carry a Quantity, the unit dimension that
// makes `rate > 5MB` a compile error. Records (C structs and unions) come
// from BTF and tracepoint format files.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/grammar/ast.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace obs {

/// The dimension of a number. `Plain` numbers (literals, pids, tracepoint
/// fields) take on the dimension of what they are combined with, as untyped
/// constants do in Go; the other bases must agree exactly.
struct Quantity {
  enum Base : uint8_t { Plain, Count, Size, Duration } base = Plain;
  bool perSecond = false;

  bool operator==(const Quantity &o) const {
    return base == o.base && perSecond == o.perSecond;
  }
  bool operator<(const Quantity &o) const {
    return base != o.base ? base < o.base : perSecond < o.perSecond;
  }
  /// "a size", "a rate", "a size per second (bytes/s)", ...: for messages.
  std::string describe() const;
  static Quantity fromLiteral(Unit u);
};

enum class TypeKind {
  Void,
  Integer,  ///< bits, isSigned, quantity
  Float,    ///< derived window values: rate, slope, r2, avg over windows
  String,   ///< NUL-terminated, at most `size` bytes
  Buffer,   ///< buf(): bytes with a length, at most `size`
  Pointer,  ///< to `pointee`
  Array,    ///< `count` of `element`
  Record,   ///< C struct or union: `name`, `fields`, `size`
  Tuple,    ///< `elements`
  Stack,    ///< kstack or ustack: `isUser`, `count` frames
  Symbol,   ///< ksym()/usym() result: an address printed as a symbol
  Aggregation, ///< a map value written by an aggregation: `aggregation`
  Timestamp,   ///< strftime() result
  Inet,        ///< ntop() result
};

enum class AggregationKind {
  Count, Sum, Avg, Min, Max, Stats, Hist, Lhist,
  Rate, Slope, R2, Predict, Quantile,
};
const char *aggregationName(AggregationKind k);

class Type;

struct Field {
  std::string name;
  const Type *type = nullptr;
  uint32_t offset = 0;     ///< bytes
  uint32_t bitOffset = 0;  ///< for bitfields, within the byte at offset
  uint32_t bitSize = 0;    ///< 0 when not a bitfield
};

class Type {
public:
  TypeKind kind = TypeKind::Void;
  unsigned bits = 0;          ///< Integer, Float
  bool isSigned = false;      ///< Integer
  Quantity quantity;          ///< Integer, Float, Aggregation value
  uint32_t size = 0;          ///< bytes: String/Buffer capacity, Record, Array
  const Type *pointee = nullptr; ///< Pointer; Array element
  uint32_t count = 0;         ///< Array length; Stack frames
  bool isUser = false;        ///< Stack, Symbol
  bool isUnion = false;       ///< Record
  std::string name;           ///< Record: "struct task_struct", "args of sched:sched_process_fork"
  std::vector<Field> fields;  ///< Record
  std::vector<const Type *> elements; ///< Tuple
  AggregationKind aggregation = AggregationKind::Count; ///< Aggregation
  const Type *valueType = nullptr; ///< Aggregation: type of the argument

  bool isInteger() const { return kind == TypeKind::Integer; }
  bool isNumeric() const { return kind == TypeKind::Integer || kind == TypeKind::Float; }
  bool isPointer() const { return kind == TypeKind::Pointer; }
  bool isString() const { return kind == TypeKind::String; }
  bool isRecord() const { return kind == TypeKind::Record; }
  /// Records from BTF get their fields on first use: `fillFields` is set
  /// until then. Read fields through field() or recordFields(), which fill
  /// them, rather than through `fields` directly.
  mutable std::function<void(Type &)> fillFields;
  /// The record's fields, filled first if they are still lazy.
  const std::vector<Field> &recordFields() const;
  /// The field named `n` (filling the record first if it is lazy), or null.
  const Field *field(const std::string &n) const;
  /// Size in bytes of a value of this type as stored in a map or event.
  uint32_t storageSize() const;
  /// `uint64`, `string[64]`, `struct task_struct *`, `count`, `(int32, string[16])`.
  std::string str() const;
};

/// Interns types. Records are created by type sources (BTF, tracefs) and
/// looked up by name.
class TypeTable {
public:
  TypeTable();
  const Type *voidType() const { return void_; }
  const Type *integer(unsigned bits, bool isSigned, Quantity q = {});
  const Type *u64() { return integer(64, false); }
  const Type *i64() { return integer(64, true); }
  const Type *floating(Quantity q = {});
  const Type *string(uint32_t size);
  const Type *buffer(uint32_t size);
  const Type *pointer(const Type *pointee);
  const Type *array(const Type *element, uint32_t count);
  const Type *tuple(const std::vector<const Type *> &elements);
  const Type *stack(bool isUser, uint32_t frames);
  const Type *symbol(bool isUser);
  const Type *aggregation(AggregationKind k, const Type *valueType, Quantity q = {});
  const Type *timestamp();
  const Type *inet();

  /// A new, empty record; the caller fills fields and size. An earlier
  /// incomplete record of the same name (no fields, size 0) is reused in
  /// place, so pointers to it stay valid; if a complete one exists, returns
  /// nullptr (look it up with record()).
  Type *createRecord(const std::string &name, bool isUnion = false);
  const Type *record(const std::string &name) const;

private:
  const Type *intern(Type t);
  std::deque<Type> storage_;
  std::map<std::string, const Type *> interned_;
  std::map<std::string, Type *> records_;
  const Type *void_ = nullptr;
};

} // namespace obs
