//===- diagnostics.cpp - collected, rendered compiler diagnostics ---------===//
#include "lang/support/diagnostics.h"

#include <algorithm>

namespace obs {
namespace {

struct KindInfo {
  const char *name;
  Severity severity;
  const char *format;
};

const KindInfo kKinds[] = {
#define DIAG(ID, SEV, FMT) {#ID, Severity::SEV, FMT},
#include "lang/support/diagnostics.def"
#undef DIAG
};

std::string expand(const char *fmt, std::initializer_list<std::string> args) {
  std::vector<std::string> a(args);
  std::string out;
  for (const char *p = fmt; *p; ++p) {
    if (p[0] == '%' && p[1] >= '0' && p[1] <= '9') {
      size_t i = p[1] - '0';
      if (i < a.size())
        out += a[i];
      ++p;
    } else {
      out += *p;
    }
  }
  return out;
}

const char *severityName(Severity s) {
  switch (s) {
  case Severity::Error: return "error";
  case Severity::Warning: return "warning";
  case Severity::Note: return "note";
  }
  return "error";
}

void printLocated(std::ostream &os, const SourceManager &sm, SourceRange r,
                  const char *sev, const std::string &msg) {
  if (r.file >= sm.size()) {
    os << sev << ": " << msg << "\n";
    return;
  }
  const SourceFile &f = sm.file(r.file);
  uint32_t begin = std::min<uint32_t>(r.begin, f.text().size());
  LineCol lc = f.lineCol(begin);
  os << f.name() << ":" << lc.line << ":" << lc.col << ": " << sev << ": "
     << msg << "\n";
  std::string_view line = f.lineText(lc.line);
  os << line << "\n";
  // Caret under the first character, tildes under the rest of the range on
  // this line. Tabs are kept so the caret lines up.
  std::string marks;
  for (uint32_t i = 0; i + 1 < lc.col && i < line.size(); ++i)
    marks += line[i] == '\t' ? '\t' : ' ';
  marks += '^';
  uint32_t end = std::max(r.end, begin + 1);
  uint32_t lineEnd = begin - (lc.col - 1) + line.size();
  for (uint32_t o = begin + 1; o < end && o < lineEnd; ++o)
    marks += '~';
  os << marks << "\n";
}

} // namespace

const char *diagKindName(DiagKind kind) {
  return kKinds[static_cast<int>(kind)].name;
}

DiagBuilder &DiagBuilder::note(SourceRange r, std::string msg) {
  d_->notes.push_back(DiagNote{true, r, std::move(msg)});
  return *this;
}
DiagBuilder &DiagBuilder::note(std::string msg) {
  d_->notes.push_back(DiagNote{false, {}, std::move(msg)});
  return *this;
}
DiagBuilder &DiagBuilder::hint(std::string msg) {
  d_->hints.push_back(std::move(msg));
  return *this;
}
DiagBuilder &DiagBuilder::suggest(const std::string &name,
                                  const std::vector<std::string> &cands) {
  auto best = closestNames(name, cands);
  if (best.empty())
    return *this;
  std::string s = "did you mean ";
  for (size_t i = 0; i < best.size(); ++i) {
    if (i)
      s += i + 1 == best.size() ? " or " : ", ";
    s += "'" + best[i] + "'";
  }
  return hint(s + "?");
}

DiagBuilder Diagnostics::report(DiagKind kind, SourceRange range,
                                std::initializer_list<std::string> args) {
  const KindInfo &k = kKinds[static_cast<int>(kind)];
  if (k.severity == Severity::Error)
    ++errors_;
  diags_.push_back(Diagnostic{kind, k.severity, range, expand(k.format, args), {}, {}});
  return DiagBuilder(&diags_.back());
}

void Diagnostics::print(std::ostream &os, const SourceManager &sm) const {
  for (const Diagnostic &d : diags_) {
    printLocated(os, sm, d.range, severityName(d.severity), d.message);
    for (const DiagNote &n : d.notes) {
      if (n.hasRange)
        printLocated(os, sm, n.range, "note", n.message);
      else
        os << "note: " << n.message << "\n";
    }
    for (const std::string &h : d.hints)
      os << "hint: " << h << "\n";
  }
  if (errors_)
    os << errors_ << (errors_ == 1 ? " error" : " errors") << " generated.\n";
}

unsigned editDistance(std::string_view a, std::string_view b) {
  std::vector<unsigned> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      unsigned sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> closestNames(const std::string &name,
                                      const std::vector<std::string> &cands) {
  unsigned limit = std::max<unsigned>(1, name.size() / 3);
  std::vector<std::pair<unsigned, std::string>> scored;
  for (const std::string &c : cands) {
    if (c == name)
      continue;
    unsigned d = editDistance(name, c);
    if (d <= limit)
      scored.emplace_back(d, c);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < 3; ++i) {
    if (i > 0 && scored[i].first > scored[0].first)
      break;
    out.push_back(scored[i].second);
  }
  return out;
}

} // namespace obs
