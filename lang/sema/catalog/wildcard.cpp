//===- wildcard.cpp - glob patterns for probe names
//------------------------===//
#include "lang/sema/catalog/wildcard.h"

namespace obs {

bool hasWildcard(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

namespace {

/// Matches the bracket expression starting at pattern[p] ('[') against c.
/// Sets `end` to the index after the closing ']'; a '[' without a closing
/// ']' is a literal '['.
bool matchClass(std::string_view pattern, size_t p, char c, size_t &end) {
  size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  for (; i < pattern.size(); ++i) {
    char a = pattern[i];
    if (a == ']' && !first)
      break;
    first = false;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' &&
        pattern[i + 2] != ']') {
      char b = pattern[i + 2];
      if (a <= c && c <= b)
        matched = true;
      i += 2;
    } else if (a == c) {
      matched = true;
    }
  }
  if (i >= pattern.size()) { // no closing bracket: a literal '['
    end = p + 1;
    return c == '[';
  }
  end = i + 1;
  return matched != negate;
}

} // namespace

bool wildcardMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t starP = std::string_view::npos, starT = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '*') {
        starP = p++;
        starT = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        size_t end;
        if (matchClass(pattern, p, text[t], end)) {
          p = end;
          ++t;
          continue;
        }
      } else if (pc == text[t]) {
        ++p;
        ++t;
        continue;
      }
    }
    // Mismatch: let the last star swallow one more character.
    if (starP == std::string_view::npos)
      return false;
    p = starP + 1;
    t = ++starT;
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

std::vector<std::string> wildcardFilter(std::string_view pattern,
                                        const std::vector<std::string> &names) {
  std::vector<std::string> out;
  bool wild = hasWildcard(pattern);
  for (const std::string &n : names)
    if (wild ? wildcardMatch(pattern, n) : n == pattern)
      out.push_back(n);
  return out;
}

} // namespace obs
