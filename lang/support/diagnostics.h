//===- diagnostics.h - collected, rendered compiler diagnostics -----------===//
//
// Every stage reports into one Diagnostics. Nothing aborts: reports are
// collected, the pipeline stops between stages when an error exists, and the
// driver renders them as `file:line:col: error: message`, the line, a caret
// and tilde range, then notes and hints.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/support/source.h"

#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

namespace obs {

enum class Severity { Error, Warning, Note };

enum class DiagKind {
#define DIAG(ID, SEV, FMT) ID,
#include "lang/support/diagnostics.def"
#undef DIAG
};

/// The registry name of a kind, as used in fail_<name>.obs tests.
const char *diagKindName(DiagKind kind);

struct DiagNote {
  bool hasRange = false;
  SourceRange range;
  std::string message;
};

struct Diagnostic {
  DiagKind kind;
  Severity severity;
  SourceRange range;
  std::string message;
  std::vector<DiagNote> notes;
  std::vector<std::string> hints;
};

/// Builder returned by report(); adds notes and hints to the last report.
class DiagBuilder {
public:
  explicit DiagBuilder(Diagnostic *d) : d_(d) {}
  DiagBuilder &note(SourceRange r, std::string msg);
  DiagBuilder &note(std::string msg);
  DiagBuilder &hint(std::string msg);
  /// Adds "did you mean 'x'?" when a candidate is close to `name`.
  DiagBuilder &suggest(const std::string &name,
                       const std::vector<std::string> &candidates);

private:
  Diagnostic *d_;
};

class Diagnostics {
public:
  DiagBuilder report(DiagKind kind, SourceRange range,
                     std::initializer_list<std::string> args = {});
  bool hasErrors() const { return errors_ > 0; }
  unsigned errorCount() const { return errors_; }
  const std::vector<Diagnostic> &all() const { return diags_; }
  /// Renders every diagnostic, in report order, and a count line at the end
  /// when there were errors.
  void print(std::ostream &os, const SourceManager &sm) const;

private:
  std::vector<Diagnostic> diags_;
  unsigned errors_ = 0;
};

/// Levenshtein distance, for "did you mean".
unsigned editDistance(std::string_view a, std::string_view b);
/// The closest candidates (at most 3) within a distance scaled to the name.
std::vector<std::string> closestNames(const std::string &name,
                                      const std::vector<std::string> &cands);

} // namespace obs
