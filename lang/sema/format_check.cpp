//===- format_check.cpp - printf-style format strings ---------------------===//
#include "lang/sema/format_check.h"

#include <cstring>

namespace obs {

bool parseFormat(const std::string &fmt, std::vector<FormatConversion> &out,
                 std::string &error) {
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%')
      continue;
    size_t start = i++;
    if (i < fmt.size() && fmt[i] == '%')
      continue;
    while (i < fmt.size() && std::strchr("-+ #0", fmt[i]))
      ++i;
    while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9')
      ++i;
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9')
        ++i;
    }
    while (i < fmt.size() && std::strchr("hlzjt", fmt[i]))
      ++i;
    if (i >= fmt.size()) {
      error = "format string ends in the middle of a conversion";
      return false;
    }
    char c = fmt[i];
    if (!std::strchr("diuxXocsprfegv", c)) {
      error = std::string("unknown conversion '%") + c + "' in format string";
      return false;
    }
    out.push_back(FormatConversion{start, i - start + 1, c});
  }
  return true;
}

void checkFormat(SemaContext &ctx, const Call &call,
                 const std::vector<const Type *> &argTypes, size_t first) {
  const Expr *fmtExpr = call.args[first - 1];
  const StringLit *lit = fmtExpr->as<StringLit>();
  if (!lit)
    return;
  std::vector<FormatConversion> convs;
  std::string error;
  if (!parseFormat(lit->value, convs, error)) {
    ctx.diags.report(DiagKind::bad_format, fmtExpr->range, {error});
    return;
  }
  size_t given = call.args.size() - first;
  if (convs.size() != given) {
    ctx.diags.report(DiagKind::bad_format,
                     given > convs.size() ? call.args[first + convs.size()]->range
                                          : fmtExpr->range,
                     {"format string has " + std::to_string(convs.size()) +
                      " conversion" + (convs.size() == 1 ? "" : "s") + " but " +
                      std::to_string(given) + " argument" + (given == 1 ? " is" : "s are") +
                      " given"});
    return;
  }
  for (size_t i = 0; i < convs.size(); ++i) {
    const Type *t = argTypes[first + i];
    if (!t)
      continue;
    char c = convs[i].conversion;
    bool ok;
    const char *want;
    if (c == 's') {
      ok = t->kind == TypeKind::String || t->kind == TypeKind::Symbol ||
           t->kind == TypeKind::Stack || t->kind == TypeKind::Timestamp ||
           t->kind == TypeKind::Inet || t->kind == TypeKind::Tuple ||
           t->isNumeric();
      want = "a string";
    } else if (c == 'v') {
      ok = t->isNumeric() || t->kind == TypeKind::Aggregation;
      want = "a number";
    } else if (c == 'f' || c == 'e' || c == 'g') {
      ok = t->isNumeric();
      want = "a number";
    } else if (c == 'r') {
      ok = t->kind == TypeKind::Buffer || t->kind == TypeKind::String;
      want = "a buffer from buf()";
    } else {
      ok = t->isNumeric() || t->isPointer() || t->kind == TypeKind::Symbol ||
           t->kind == TypeKind::Aggregation;
      want = "an integer";
    }
    if (!ok)
      ctx.diags.report(DiagKind::bad_format, call.args[first + i]->range,
                       {"'" + lit->value.substr(convs[i].offset, convs[i].length) +
                        "' needs " + want + ", but the argument is " + t->str()});
  }
}

} // namespace obs
