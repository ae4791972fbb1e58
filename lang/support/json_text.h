//===- json_text.h - JSON string literals ----------------------------------===//
//
// The one JSON string escaper: the printers' JSON output and the replay
// event files (`obsc record`) write strings with it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <string_view>

namespace obs {

/// Appends `s` as a JSON string literal with quotes: \" \\ \n \r \t \b \f,
/// other control bytes as \u00XX; bytes >= 0x80 are passed through (UTF-8
/// stays UTF-8).
void appendJsonString(std::string &out, std::string_view s);

} // namespace obs
