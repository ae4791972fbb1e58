//===- format.cpp - printf formatting of decoded event arguments ----------===//
#include "runtime/output/format.h"

#include "codegen/contract.h"
#include "runtime/output/printer.h"
#include "runtime/symbols.h"
#include "runtime/value_text.h"

#include <cstdio>
#include <cstring>

namespace obs::output {

std::string hexEscapeBuffer(std::string_view bytes) { return escapeBufferBytes(bytes); }

/// The spec rebuilt for snprintf, with the length modifier replaced by the
/// one matching the C type we pass.
static std::string cSpec(const FormatSpec &s, const char *length, char conv) {
  std::string f = "%";
  if (s.leftAlign)
    f += '-';
  if (s.plusSign)
    f += '+';
  if (s.spaceSign)
    f += ' ';
  if (s.alternate)
    f += '#';
  if (s.zeroPad)
    f += '0';
  if (s.width >= 0)
    f += std::to_string(s.width);
  if (s.precision >= 0)
    f += "." + std::to_string(s.precision);
  f += length;
  f += conv;
  return f;
}

template <typename T>
static std::string cFormat(const std::string &spec, T value) {
  char small[128];
  int n = std::snprintf(small, sizeof small, spec.c_str(), value);
  if (n < 0)
    return {};
  if (static_cast<size_t>(n) < sizeof small)
    return std::string(small, n);
  std::string big(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(big.data(), big.size(), spec.c_str(), value);
  big.resize(n);
  return big;
}

/// Every integer is 64 bits (spec §7.1): the length modifier is ignored.
static std::string formatInteger(const FormatSpec &s, uint64_t v) {
  char conv = s.conversion;
  if (conv == 'p') {
    // glibc's %p: 0x-prefixed hex, "(nil)" for zero.
    return cFormat(cSpec(s, "", 'p'),
                   reinterpret_cast<void *>(static_cast<uintptr_t>(v)));
  }
  if (conv == 'c')
    return cFormat(cSpec(s, "", 'c'),
                   static_cast<int>(static_cast<unsigned char>(v)));
  if (conv == 'd' || conv == 'i')
    return cFormat(cSpec(s, "ll", 'd'), static_cast<long long>(v));
  return cFormat(cSpec(s, "ll", conv), static_cast<unsigned long long>(v));
}

/// Pads a rendered string to the spec's width; cuts it to its precision.
static std::string padText(const FormatSpec &s, std::string text) {
  if (s.precision >= 0 && text.size() > static_cast<size_t>(s.precision))
    text.resize(s.precision);
  if (s.width >= 0 && text.size() < static_cast<size_t>(s.width)) {
    std::string pad(s.width - text.size(), ' ');
    text = s.leftAlign ? text + pad : pad + text;
  }
  return text;
}

static std::string formatOne(const FormatSpec &s, const PrintfArg &a) {
  using K = PrintfArg::Kind;
  if (s.takesAny()) {
    std::string text;
    switch (a.kind) {
    case K::Int:
      text = formatQuantity(static_cast<double>(a.i), a.quantity);
      break;
    case K::Uint:
      text = formatQuantity(static_cast<double>(a.u), a.quantity);
      break;
    case K::Float: text = formatQuantity(a.f, a.quantity); break;
    case K::String: text = a.s; break;
    case K::Buffer: text = hexEscapeBuffer(a.s); break;
    }
    // Integers beyond 2^53 would lose digits through double: print exactly.
    if (a.quantity.base <= Quantity::Count && !a.quantity.perSecond) {
      if (a.kind == K::Int)
        text = std::to_string(a.i);
      if (a.kind == K::Uint)
        text = std::to_string(a.u);
    }
    return padText(s, std::move(text));
  }
  if (s.takesInteger()) {
    if (a.kind == K::Float)
      return formatInteger(s, static_cast<uint64_t>(static_cast<int64_t>(a.f)));
    if (a.kind == K::String || a.kind == K::Buffer)
      return "%!" + std::string(1, s.conversion) + "(string)";
    return formatInteger(s, a.bits());
  }
  if (s.takesFloat()) {
    double d = a.kind == K::Float  ? a.f
               : a.kind == K::Int  ? static_cast<double>(a.i)
               : a.kind == K::Uint ? static_cast<double>(a.u)
                                   : 0.0;
    return cFormat(cSpec(s, "", s.conversion), d);
  }
  std::string text;
  if (a.kind == K::String)
    text = s.takesBuffer() ? hexEscapeBuffer(a.s) : a.s;
  else if (a.kind == K::Buffer)
    text = hexEscapeBuffer(a.s);
  else if (a.kind == K::Int)
    text = std::to_string(a.i);
  else if (a.kind == K::Uint)
    text = std::to_string(a.u);
  else
    text = formatNumber(a.f);
  // Strings may hold NULs (buffers); pad and cut by hand, not by snprintf.
  return padText(s, std::move(text));
}

std::string formatPrintf(std::string_view fmt,
                         const std::vector<PrintfArg> &args) {
  ParsedFormat pf;
  std::string err;
  if (!parseFormat(fmt, pf, err))
    return std::string(fmt); // unreachable after sema; print it as it is
  std::string out = pf.literals[0];
  for (size_t k = 0; k < pf.specs.size(); ++k) {
    if (k < args.size())
      out += formatOne(pf.specs[k], args[k]);
    else
      out += "%!" + std::string(1, pf.specs[k].conversion) + "(missing)";
    out += pf.literals[k + 1];
  }
  return out;
}

/// The arguments of a printf record, decoded.
static std::vector<PrintfArg>
decodeRecordArgs(const contract::PrintfSpec &spec, const uint8_t *record,
                 size_t size,
                 const std::vector<contract::PrintfSpec> *formats) {
  std::vector<PrintfArg> args;
  args.reserve(spec.args.size());
  for (const contract::FormatArg &fa : spec.args) {
    if (static_cast<size_t>(fa.offset) + fa.size > size) {
      args.push_back(PrintfArg::ofString("<truncated record>"));
      continue;
    }
    const uint8_t *p = record + fa.offset;
    switch (fa.kind) {
    case contract::FormatArg::Kind::Int: {
      int64_t v = 0;
      std::memcpy(&v, p, std::min<size_t>(fa.size, 8));
      args.push_back(PrintfArg::ofInt(v));
      break;
    }
    case contract::FormatArg::Kind::Uint: {
      uint64_t v = 0;
      std::memcpy(&v, p, std::min<size_t>(fa.size, 8));
      args.push_back(PrintfArg::ofUint(v));
      break;
    }
    case contract::FormatArg::Kind::String: {
      const char *c = reinterpret_cast<const char *>(p);
      args.push_back(PrintfArg::ofString(std::string(c, strnlen(c, fa.size))));
      break;
    }
    case contract::FormatArg::Kind::Buffer:
      args.push_back(PrintfArg::ofBuffer(bufferBytes(p, fa.size)));
      break;
    case contract::FormatArg::Kind::Timestamp:
      args.push_back(PrintfArg::ofString(renderValueArg(fa.kind, p, fa.size, formats)));
      break;
    case contract::FormatArg::Kind::Inet:
      args.push_back(PrintfArg::ofString(inetToString(p)));
      break;
    default:
      // KSym by kallsyms; stacks and user symbols arrive here already
      // rendered as strings (runtime/symbolic_printf.cpp). Never skip an
      // argument: the ones after it would shift.
      args.push_back(PrintfArg::ofString(renderSymbolicArg(fa, p)));
      break;
    }
  }
  return args;
}

std::string
formatPrintfRecord(const contract::PrintfSpec &spec, const uint8_t *record,
                   size_t size,
                   const std::vector<contract::PrintfSpec> *formats) {
  return formatPrintf(spec.format,
                      decodeRecordArgs(spec, record, size, formats));
}

std::string formatValueJson(const contract::PrintfSpec &spec,
                            const uint8_t *record, size_t size,
                            const std::vector<contract::PrintfSpec> *formats) {
  std::vector<PrintfArg> args = decodeRecordArgs(spec, record, size, formats);
  std::string out;
  size_t k = 0;
  for (size_t i = 0; i < spec.json.size(); ++i) {
    if (spec.json[i] != '%' || i + 1 == spec.json.size()) {
      out += spec.json[i];
      continue;
    }
    char conv = spec.json[++i];
    if (k >= args.size()) {
      out += "null";
      continue;
    }
    const PrintfArg &a = args[k++];
    std::string text;
    switch (a.kind) {
    case PrintfArg::Kind::Int: text = std::to_string(a.i); break;
    case PrintfArg::Kind::Uint: text = std::to_string(a.u); break;
    case PrintfArg::Kind::Buffer: text = hexEscapeBuffer(a.s); break;
    case PrintfArg::Kind::Float: text = formatNumber(a.f); break;
    case PrintfArg::Kind::String: text = a.s; break;
    }
    bool number = a.kind == PrintfArg::Kind::Int ||
                  a.kind == PrintfArg::Kind::Uint ||
                  a.kind == PrintfArg::Kind::Float;
    out += number || conv == 'r' ? text : jsonString(text);
  }
  return out;
}

} // namespace obs::output
