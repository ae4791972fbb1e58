//===- format.h - printf format strings: checking and formatting ----------===//
//
// One grammar for the two halves: sema calls validateFormat() on the
// literal format and the argument types, so a bad format is a compile-time
// error; the runtime calls formatPrintf() on the values the kernel packed
// (8-byte integers, fixed-size strings). The grammar (spec §7.1):
//
//   %[-+ #0]*[width][.precision][hh|h|l|ll|z|j]conversion      and %%
//
// conversions d i u x X o c p (integers), s (strings, stacks, symbols,
// tuples, rendered by the runtime), r (buffers, hex-escaped), f e g
// (floats), v (any value with its unit, spec §13.5). Length modifiers are
// accepted and ignored: every integer is 64 bits, so `%d` of 5000000000 is
// 5000000000 (bpftrace 0.17 follows C and prints the low 32 bits).
//
// validateFormat() is inline and only reads Type fields, so sema includes
// this header without linking the runtime.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/sema/types.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace obs::contract {
struct PrintfSpec;
}

namespace obs::output {

/// One conversion of a format string.
struct FormatSpec {
  enum class Length : uint8_t { None, HH, H, L, LL, Z, J };
  bool leftAlign = false; ///< -
  bool zeroPad = false;   ///< 0
  bool plusSign = false;  ///< +
  bool spaceSign = false; ///< ' '
  bool alternate = false; ///< #
  int width = -1;         ///< -1: none
  int precision = -1;     ///< -1: none
  Length length = Length::None;
  char conversion = 'd';
  std::string_view text; ///< the spec as written, "%-10s"

  bool takesInteger() const {
    return std::string_view("diuxXocp").find(conversion) !=
           std::string_view::npos;
  }
  bool takesString() const { return conversion == 's'; }
  bool takesBuffer() const { return conversion == 'r'; }
  bool takesFloat() const {
    return conversion == 'f' || conversion == 'e' || conversion == 'g';
  }
  bool takesAny() const { return conversion == 'v'; }
};

/// A format string split at its conversions: literals[i] precedes specs[i],
/// literals.back() follows the last one; `%%` is already a single `%`.
struct ParsedFormat {
  std::vector<std::string> literals;
  std::vector<FormatSpec> specs;
};

/// Parses `fmt`, which must outlive the result (specs point into it). On a
/// malformed format returns false and sets `error`.
inline bool parseFormat(std::string_view fmt, ParsedFormat &out,
                        std::string &error) {
  out = {};
  out.literals.emplace_back();
  size_t i = 0;
  while (i < fmt.size()) {
    char c = fmt[i];
    if (c != '%') {
      out.literals.back() += c;
      ++i;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
      out.literals.back() += '%';
      i += 2;
      continue;
    }
    size_t start = i++;
    FormatSpec s;
    for (; i < fmt.size(); ++i) {
      char f = fmt[i];
      if (f == '-')
        s.leftAlign = true;
      else if (f == '0')
        s.zeroPad = true;
      else if (f == '+')
        s.plusSign = true;
      else if (f == ' ')
        s.spaceSign = true;
      else if (f == '#')
        s.alternate = true;
      else
        break;
    }
    auto digits = [&](int &v) {
      size_t b = i;
      int n = 0;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9' && i - b < 6)
        n = n * 10 + (fmt[i++] - '0');
      if (i > b)
        v = n;
    };
    digits(s.width);
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      s.precision = 0;
      digits(s.precision);
    }
    auto has = [&](std::string_view p) { return fmt.substr(i, p.size()) == p; };
    if (has("hh")) {
      s.length = FormatSpec::Length::HH;
      i += 2;
    } else if (has("h")) {
      s.length = FormatSpec::Length::H;
      i += 1;
    } else if (has("ll")) {
      s.length = FormatSpec::Length::LL;
      i += 2;
    } else if (has("l")) {
      s.length = FormatSpec::Length::L;
      i += 1;
    } else if (has("z")) {
      s.length = FormatSpec::Length::Z;
      i += 1;
    } else if (has("j")) {
      s.length = FormatSpec::Length::J;
      i += 1;
    }
    if (i >= fmt.size()) {
      error = "incomplete format specifier '" + std::string(fmt.substr(start)) +
              "' at the end of the format string; write '%%' for a literal '%'";
      return false;
    }
    char conv = fmt[i++];
    std::string_view all("diuxXocpsrfegv");
    if (all.find(conv) == std::string_view::npos) {
      std::string spec(fmt.substr(start, i - start));
      error = "invalid format specifier '" + spec + "'";
      if (conv == '*')
        error += "; the width must be a number";
      else
        error += "; write '%%' for a literal '%'";
      return false;
    }
    bool isInt =
        std::string_view("diuxXocp").find(conv) != std::string_view::npos;
    if (!isInt && s.length != FormatSpec::Length::None) {
      error = "invalid format specifier '" +
              std::string(fmt.substr(start, i - start)) +
              "': a length modifier needs an integer conversion";
      return false;
    }
    s.conversion = conv;
    s.text = fmt.substr(start, i - start);
    out.specs.push_back(s);
    out.literals.emplace_back();
  }
  return true;
}

/// The word used for a type in format messages: "an integer", "a string".
inline std::string describeForFormat(const Type *t) {
  if (!t)
    return "no value";
  switch (t->kind) {
  case TypeKind::Integer: return "an integer";
  case TypeKind::Float: return "a floating-point value";
  case TypeKind::String: return "a string";
  case TypeKind::Buffer: return "a buffer";
  case TypeKind::Pointer: return "a pointer";
  case TypeKind::Array: return "an array";
  case TypeKind::Record: return "a struct";
  case TypeKind::Tuple: return "a tuple";
  case TypeKind::Stack: return "a stack";
  case TypeKind::Symbol: return "a symbol";
  case TypeKind::Aggregation: return "an aggregation";
  case TypeKind::Timestamp: return "a timestamp";
  case TypeKind::Inet: return "an address";
  case TypeKind::Void: return "void";
  }
  return "a value";
}

/// Spec §7.1: a printf record must fit in the ring buffer.
inline constexpr size_t kMaxFormatArgs = 32;

/// Checks a printf-style format against the types of its arguments, as
/// sema sees them. Returns the error message (lower-case, no trailing
/// period) or nothing when the call is well formed.
inline std::optional<std::string>
validateFormat(std::string_view fmt,
               const std::vector<const Type *> &argTypes) {
  ParsedFormat pf;
  std::string err;
  if (!parseFormat(fmt, pf, err))
    return err;
  if (argTypes.size() > kMaxFormatArgs)
    return "at most " + std::to_string(kMaxFormatArgs) +
           " arguments may follow a format string, but " +
           std::to_string(argTypes.size()) + " were given";
  size_t want = pf.specs.size(), got = argTypes.size();
  if (got > want)
    return "too many arguments for format string (" + std::to_string(got) +
           " supplied, " + std::to_string(want) + " expected)";
  if (got < want)
    return "not enough arguments for format string (" + std::to_string(got) +
           " supplied, " + std::to_string(want) + " expected)";
  for (size_t k = 0; k < want; ++k) {
    const FormatSpec &s = pf.specs[k];
    const Type *t = argTypes[k];
    TypeKind kind = t ? t->kind : TypeKind::Void;
    bool ok = false;
    const char *expects = "";
    if (s.takesInteger()) {
      ok = kind == TypeKind::Integer || kind == TypeKind::Pointer;
      expects = "an integer";
    } else if (s.takesString()) {
      ok = kind == TypeKind::String || kind == TypeKind::Stack ||
           kind == TypeKind::Symbol || kind == TypeKind::Timestamp ||
           kind == TypeKind::Inet || kind == TypeKind::Tuple;
      expects = "a string";
    } else if (s.takesBuffer()) {
      ok = kind == TypeKind::Buffer || kind == TypeKind::String;
      expects = "a buffer";
    } else if (s.takesFloat()) {
      ok = kind == TypeKind::Float || kind == TypeKind::Integer;
      expects = "a number";
    } else if (s.takesAny()) {
      ok = kind != TypeKind::Void && kind != TypeKind::Record &&
           kind != TypeKind::Aggregation;
      expects = "a value";
    }
    if (!ok)
      return std::string(s.text) + " expects " + expects + ", but argument " +
             std::to_string(k + 1) + " is " + describeForFormat(t);
  }
  return std::nullopt;
}

/// One argument value as decoded from an event record.
struct PrintfArg {
  enum class Kind : uint8_t { Int, Uint, String, Buffer, Float };
  Kind kind = Kind::Int;
  int64_t i = 0;     ///< Int
  uint64_t u = 0;    ///< Uint
  std::string s;     ///< String (rendered stacks and symbols too), Buffer bytes
  double f = 0;      ///< Float
  Quantity quantity; ///< Int, Uint, Float: the unit `%v` prints

  static PrintfArg ofInt(int64_t v) {
    PrintfArg a;
    a.kind = Kind::Int;
    a.i = v;
    return a;
  }
  static PrintfArg ofUint(uint64_t v) {
    PrintfArg a;
    a.kind = Kind::Uint;
    a.u = v;
    return a;
  }
  static PrintfArg ofString(std::string v) {
    PrintfArg a;
    a.kind = Kind::String;
    a.s = std::move(v);
    return a;
  }
  static PrintfArg ofBuffer(std::string v) {
    PrintfArg a;
    a.kind = Kind::Buffer;
    a.s = std::move(v);
    return a;
  }
  static PrintfArg ofFloat(double v) {
    PrintfArg a;
    a.kind = Kind::Float;
    a.f = v;
    return a;
  }
  /// The raw 64 bits of an integer argument.
  uint64_t bits() const {
    return kind == Kind::Int ? static_cast<uint64_t>(i) : u;
  }
};

/// Formats `fmt` with `args` by the rules above. The format was checked by
/// validateFormat(); a mismatch found here anyway is rendered in place
/// (`%!d(missing)`) rather than thrown, so one bad record never stops a run.
std::string formatPrintf(std::string_view fmt,
                         const std::vector<PrintfArg> &args);

/// Decodes the arguments of one Printf ring-buffer record (codegen/contract.h)
/// and formats it. `record` starts at the EventHeader. `formats` is the
/// object's format table (ObjectSpec::formats), where strftime() values find
/// their format; without it they print as "(?)".
std::string formatPrintfRecord(const contract::PrintfSpec &spec,
                               const uint8_t *record, size_t size,
                               const std::vector<contract::PrintfSpec> *formats = nullptr);

/// The JSON of a print(value) record (spec.json not empty): spec.json with
/// each conversion replaced by its argument, %d/%u as numbers, %s as a JSON
/// string, %r as the bare text (`[1,"x"]`).
std::string
formatValueJson(const contract::PrintfSpec &spec, const uint8_t *record,
                size_t size,
                const std::vector<contract::PrintfSpec> *formats = nullptr);

/// `ab\x01`: printable bytes as they are, others as \xNN (the %r rendering).
std::string hexEscapeBuffer(std::string_view bytes);

} // namespace obs::output
