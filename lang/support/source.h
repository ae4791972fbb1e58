//===- source.h - source files and ranges ---------------------------------===//
//
// The location type of the whole front end. It knows nothing of the parser:
// Bison uses SourceRange as its YYLTYPE, the AST stores one in every node,
// and diagnostics turn it back into line, column and the text of the line.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace obs {

/// A half-open byte range [begin, end) in one source file.
struct SourceRange {
  uint32_t file = 0;
  uint32_t begin = 0;
  uint32_t end = 0;

  /// The range covering both; both must be in the same file.
  SourceRange to(const SourceRange &last) const {
    return SourceRange{file, begin, last.end > end ? last.end : end};
  }
};

/// A 1-based line and column.
struct LineCol {
  uint32_t line = 1;
  uint32_t col = 1;
};

/// One loaded source: a script, an `-e` program or an imported module.
class SourceFile {
public:
  SourceFile(std::string name, std::string text);

  const std::string &name() const { return name_; }
  const std::string &text() const { return text_; }
  LineCol lineCol(uint32_t offset) const;
  /// The text of a 1-based line, without its newline.
  std::string_view lineText(uint32_t line) const;

private:
  std::string name_;
  std::string text_;
  std::vector<uint32_t> lineStarts_;
};

/// Owns every source of one compilation; file ids index into it.
class SourceManager {
public:
  uint32_t add(std::string name, std::string text);
  const SourceFile &file(uint32_t id) const { return *files_.at(id); }
  size_t size() const { return files_.size(); }

private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

} // namespace obs
