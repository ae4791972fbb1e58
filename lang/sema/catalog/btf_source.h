//===- btf_source.h - kernel BTF as obs Types, one type at a time
//----------===//
//
// Private to the catalog. Owns the parsed BTF (libbpf) and the map from BTF
// type ids to Types. Records are created with their name and size at once
// and filled on first use, so asking for `struct task_struct` converts that
// struct's members, not everything they point to.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lang/sema/catalog/catalog.h"

#include <unordered_map>

struct btf;
struct btf_type;

namespace obs {

class BtfSource {
public:
  /// Parses `path` (raw BTF or an ELF with .BTF); null and `err` on failure.
  static std::unique_ptr<BtfSource>
  load(TypeTable &types, const std::string &path, std::string &err);
  ~BtfSource();

  /// See ProbeCatalog::btfType.
  const Type *typeByName(const std::string &name);
  /// The Type of a BTF id (0 is void).
  const Type *convert(uint32_t id, const std::string &nameHint = "");

  const std::vector<std::string> &functionNames();
  /// One name: a search, not the whole index.
  bool hasFunction(const std::string &name);
  const std::vector<std::string> &rawTracepointNames();
  std::optional<FunctionSignature> function(const std::string &name,
                                            std::string &err);
  std::optional<FunctionSignature> rawTracepoint(const std::string &name,
                                                 std::string &err);

  /// Drops the lazy fillers of records it made (they point at this object).
  void detach();

private:
  BtfSource(TypeTable &types, struct btf *b) : types_(types), btf_(b) {}
  uint32_t skipModifiers(uint32_t id) const;
  void fillRecord(Type &rec, uint32_t id);
  std::optional<FunctionSignature> signature(const std::string &name,
                                             uint32_t protoId, bool dropFirst,
                                             std::string &err);
  /// btf__find_by_name_kind, through an index after kLinearLookups calls.
  int find(const std::string &name, int kind);
  static constexpr unsigned kLinearLookups = 16;
  unsigned linearLookups_ = 0;
  std::unordered_map<std::string, uint32_t> byKindName_; ///< kind byte + name
  /// Builds name -> id indexes for FUNC and btf_trace_ typedefs in one pass.
  void indexNames();

  TypeTable &types_;
  struct btf *btf_;
  std::unordered_map<uint32_t, const Type *> converted_;
  std::unordered_map<std::string, const Type *> byName_;
  std::vector<Type *> lazyRecords_;
  bool indexed_ = false;
  std::unordered_map<std::string, uint32_t> functionIds_, rawTracepointIds_;
  std::vector<std::string> functionNames_, rawTracepointNames_;
};

} // namespace obs
