//===- wildcard.h - glob patterns for probe names
//--------------------------===//
//
// `tracepoint:syscalls:sys_enter_*`, `kprobe:vfs_*`, `uprobe:/bin/bash:read*`
// name sets of probes with shell-style patterns: `*` any run of characters,
// `?` one character, `[abc]`, `[a-z]`, `[!x]` / `[^x]` one character of (not
// of) a set. There is no escape: probe names have no glob characters.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace obs {

/// True when `pattern` has any of `*?[`: it names a set, not one probe.
bool hasWildcard(std::string_view pattern);

/// Whether `text` matches the whole of `pattern`. Linear in practice: one
/// backtracking point (the last `*`), as in fnmatch without flags.
bool wildcardMatch(std::string_view pattern, std::string_view text);

/// The names matching `pattern`, in their input order. A pattern without
/// wildcards is looked up exactly.
std::vector<std::string> wildcardFilter(std::string_view pattern,
                                        const std::vector<std::string> &names);

} // namespace obs
