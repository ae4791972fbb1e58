//===- format_check.h - printf-style format strings -----------------------===//
#pragma once

#include "lang/sema/sema.h"

#include <string>
#include <vector>

namespace obs {

/// One conversion of a format string: `%-10s` has conversion 's'.
struct FormatConversion {
  size_t offset;      ///< of the '%' in the string
  size_t length;      ///< of the whole conversion
  char conversion;    ///< d i u x X o c s p r f e g v
};

/// Splits a format string into conversions; on a malformed one returns
/// false and sets `error`.
bool parseFormat(const std::string &fmt, std::vector<FormatConversion> &out,
                 std::string &error);

/// Checks call.args[first..] against the conversions of the string literal
/// call.args[first-1], with bpftrace's rules; reports bad_format.
void checkFormat(SemaContext &ctx, const Call &call,
                 const std::vector<const Type *> &argTypes, size_t first);

} // namespace obs
