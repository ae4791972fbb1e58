//===- units.h - unit dimensions and constant evaluation ------------------===//
//
// Units are types: a Quantity travels with every number. These are the
// rules for combining them, and the constant evaluator used for window
// lengths, params and aggregation arguments.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/sema/sema.h"

#include <cstdint>
#include <optional>
#include <string>

namespace obs {

/// A constant: its value in the base unit (ns, bytes, per second) and its
/// dimension.
struct Constant {
  double value = 0;
  Quantity quantity;
  bool isString = false;
  std::string text;
};

/// Folds literals, params, unary minus and arithmetic; nullopt when `e` is
/// not constant (nothing is reported).
std::optional<Constant> evaluateConstant(SemaContext &ctx, const Expr *e);

/// The dimension of `lhs op rhs`, or nullopt when the combination is
/// meaningless; `verb` then names the operation for the message
/// ("compare", "add", "multiply" ...).
std::optional<Quantity> combineQuantities(BinaryOp op, Quantity lhs, Quantity rhs,
                                          const char *&verb);

/// True when a value of `from` may be used where `to` is expected.
bool quantitiesCompatible(Quantity a, Quantity b);

/// `v` as an int64, saturated (no undefined conversion of huge doubles).
inline int64_t toInt64(double v) {
  if (!(v == v))
    return 0;
  if (v >= 9.2e18)
    return INT64_MAX;
  if (v <= -9.2e18)
    return INT64_MIN;
  return static_cast<int64_t>(v);
}
/// A whole number that an int64 holds exactly.
inline bool isWholeInt64(double v) {
  return v > -9.2e18 && v < 9.2e18 && v == static_cast<double>(static_cast<int64_t>(v));
}
/// `v` as a uint64 count of ns or bytes, saturated and rounded.
inline uint64_t toUint64(double v) {
  if (!(v > 0))
    return 0;
  if (v >= 1.8e19)
    return UINT64_MAX;
  return static_cast<uint64_t>(v + 0.5);
}

/// A hint on how to write a literal of this dimension.
std::string unitHint(Quantity q);

} // namespace obs
