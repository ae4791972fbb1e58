//===- lowering.h - the state of lowering one program to LLVM IR ----------===//
//
// Internal to codegen. One Lowering per module; its methods are defined by
// construct: probes.cpp (programs, attach points), statements.cpp,
// expressions.cpp, builtins.cpp (builtins and calls), maps.cpp (map
// definitions with BTF, keys, aggregations), debug_info.cpp (DWARF for BTF
// and line info). Values are i64 for integers (sign- or zero-extended from
// their type) and pointers to fixed-size memory for strings and tuples.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/codegen.h"
#include "codegen/contract.h"
#include "codegen/helpers.h"
#include "lang/sema/types.h"

#include <llvm/IR/DIBuilder.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <map>
#include <set>
#include <string>

namespace obs::cg {

/// A script map and its BPF definition.
struct MapState {
  const MapInfo *info = nullptr;
  contract::MapSpec spec;
  uint32_t index = 0;
  llvm::GlobalVariable *gv = nullptr;
  llvm::GlobalVariable *exemplarGv = nullptr; ///< windowed maps read by alerts
  llvm::GlobalVariable *combineGv = nullptr;  ///< write-combining cache (contract.h)
  bool lhistKnown = false;
};

/// A fixed map of the contract (events ring buffer, lost counter ...).
struct FixedMap {
  llvm::GlobalVariable *gv = nullptr;
  uint32_t type = 0;
  uint32_t keySize = 0, valueSize = 0, maxEntries = 1;
};

/// A scratch variable: an i64 slot or a memory buffer.
struct VarSlot {
  llvm::Value *ptr = nullptr;
  const Type *type = nullptr;
};

/// Byte size of a value of `t` in keys, map values and records: integers
/// and pointers are 8, strings their capacity, tuples their 8-aligned parts.
uint32_t slotSize(const Type *t);
inline uint32_t align8(uint32_t n) { return (n + 7) & ~7u; }
bool isMemoryType(const Type *t);

class Lowering {
public:
  Lowering(llvm::Module &m, HelperTarget &helpers, const CodegenInput &in, Diagnostics &diags,
           const CodegenOptions &opts, contract::ObjectSpec &spec);
  ~Lowering();

  /// Lowers every probe and defines every map. False after errors.
  bool run();

  //===-- probes.cpp -------------------------------------------------===//
  void lowerProbe(Probe &p, AttachPoint &ap, const std::string &expansion,
                  const UsdtProbe *usdt = nullptr);
  llvm::Value *usdtArg(const UsdtArgument &a);
  bool describeAttach(const AttachPoint &ap, const std::string &expansion,
                      contract::ProgramSpec &prog);

  //===-- record.cpp -------------------------------------------------===//
  /// `obsc record`: emits this firing's Record event, fills ps.record.
  void emitRecord(contract::ProgramSpec &ps);
  /// After the body: later ktime reads use the record's (recordNow).
  void shareRecordTime();
  llvm::Value *recordNow = nullptr;

  //===-- statements.cpp ---------------------------------------------===//
  void lowerBlock(Block *b);
  void lowerStmt(Stmt *s);
  void lowerAssign(Stmt &s, Assign &a);
  void lowerIf(If &i);
  void lowerWhile(While &w);
  void lowerVarAssign(Stmt &s, Assign &a, Variable &v);

  //===-- expressions.cpp --------------------------------------------===//
  llvm::Value *lowerExpr(Expr *e);  ///< i64 or a pointer to memory
  llvm::Value *lowerCond(Expr *e);  ///< i1
  llvm::Value *lowerBinary(Expr &e, Binary &b);
  llvm::Value *lowerUnary(Expr &e, Unary &u);
  llvm::Value *lowerTernary(Expr &e, Ternary &t);
  llvm::Value *lowerFieldAccess(Expr &e, FieldAccess &f);
  llvm::Value *lowerBitfield(Expr &e, FieldAccess &f, const Field &field, const Type *ft,
                             bool inContext);
  /// The kernel address of a `p->a.b` chain, or null when `e` is not one.
  llvm::Value *fieldAddress(Expr *e);
  llvm::Value *lowerCast(Expr &e, Cast &c);
  llvm::Value *lowerTuple(Expr &e, Tuple &t);
  llvm::Value *lowerStringLit(Expr &e, StringLit &s);
  llvm::Value *stringEquals(llvm::Value *a, uint32_t aSize, llvm::Value *b, uint32_t bSize);
  llvm::Value *extend(llvm::Value *v, const Type *t); ///< any int to i64 per t's sign
  llvm::Value *truncateTo(llvm::Value *v, const Type *t); ///< i64 to t's width, re-extended
  llvm::Value *divide(llvm::Value *l, llvm::Value *r, bool isSigned, bool rem);

  //===-- builtins.cpp -----------------------------------------------===//
  llvm::Value *lowerIdentifier(Expr &e, Identifier &id);
  llvm::Value *lowerCall(Expr &e, Call &c);
  llvm::Value *lowerStr(Expr &e, Call &c);
  /// printf, and cat()/system() (same record layout, another kind).
  void lowerPrintf(Expr &e, Call &c, contract::EventKind kind = contract::EventKind::Printf);
  /// How a value of type t (lowered to v) travels in a printf record;
  /// the offset is the caller's.
  contract::FormatArg formatArgFor(const Expr *a, const Type *t,
                                   llvm::Value *v);
  /// A printf argument's value; `func` becomes its name, a string literal
  /// (a then points at funcStr, a StringLit of funcName).
  llvm::Value *lowerFormatValue(Expr *&a, Expr &funcStr);
  /// Adds ps to the format table and sends its record: vals[i] is argument
  /// i (a string's srcSizes[i] bytes are copied).
  void emitFormatRecord(contract::PrintfSpec ps,
                        const std::vector<llvm::Value *> &vals,
                        const std::vector<uint32_t> &srcSizes,
                        contract::EventKind kind);
  //===-- print_value.cpp --------------------------------------------===//
  /// print(value) of a non-map value: a Printf record whose format prints
  /// it as bpftrace does, with PrintfSpec::json set.
  void lowerPrintValue(Expr &e, Call &c);
  void emitEvent(contract::EventKind kind, uint32_t id);
  /// A ring-buffer record being written: beginRecord reserves `size` bytes
  /// and, where that worked, writes the header {kind, id} and leaves the
  /// builder there; endRecord submits it, and counts it lost where the
  /// reserve failed.
  struct RecordSite {
    llvm::Value *rec = nullptr;
    llvm::BasicBlock *lost = nullptr, *done = nullptr;
  };
  RecordSite beginRecord(contract::EventKind kind, llvm::Value *id, uint32_t size);
  void endRecord(const RecordSite &r);
  llvm::Value *ctxArg(unsigned index); ///< arg0..argN from pt_regs
  llvm::Value *loadCtxField(uint32_t offset, const Type *t);

  //===-- builtins_user.cpp ------------------------------------------===//
  llvm::Value *lowerKaddr(Expr &e, Call &c);
  llvm::Value *lowerStrftime(Expr &e, Call &c);
  llvm::Value *lowerBuf(Expr &e, Call &c);
  llvm::Value *lowerSignal(Expr &e, Call &c);

  //===-- maps.cpp ---------------------------------------------------===//
  MapState *mapState(const std::string &name, SourceRange where);
  llvm::Value *buildKey(MapState &m, MapRef &ref);
  /// Pointer to the value for `key`, inserting zeroes first; branches to
  /// `fail` when the map is full, counting `dropped` (null: one) updates lost.
  llvm::Value *lookupOrInit(MapState &m, llvm::Value *key, llvm::BasicBlock *fail,
                            llvm::Value *dropped = nullptr);
  void lowerMapAssign(Stmt &s, Assign &a, MapRef &ref);
  void lowerAggregation(MapState &m, MapRef &ref, Call &call, SourceRange where);
  llvm::Value *lowerMapRead(Expr &e, MapRef &ref);
  llvm::Value *lowerMapFunction(Expr &e, Call &c); ///< print clear zero delete has_key
  void defineMaps();
  FixedMap &fixedMap(const char *name);
  void bumpLostCounter();
  /// Slot `index` of fixed array map `map` (a counter, a flag, obs_zero): a
  /// pointer to its value or null (the caller branches on it).
  llvm::Value *fixedSlot(const char *map, uint32_t index);
  /// `@m[k] = v` for a value that is an address or a stack id (usym,
  /// kstack, ustack): the value, then for user ones the tgid (16 bytes).
  void storeAddressValue(MapState &m, MapRef &ref, llvm::Value *v);
  /// Writes zeroes (obs_zero's value, for values too large for the stack)
  /// to `key` of map `gv` with BPF `flags`; to `fail` when obs_zero cannot
  /// be read. The builder is left after the update.
  void updateWithZeroes(llvm::Value *gv, llvm::Value *key, uint64_t flags,
                        llvm::BasicBlock *fail, const char *block);
  /// Adds `amount` (null: one) to slot `index` of a fixed per-CPU counter.
  void bumpCounter(const char *map, uint32_t index, llvm::Value *amount = nullptr);
  /// A Pid record for `tgid` (i64) unless obs_pids already has it.
  void notePid(llvm::Value *tgid);
  /// The session origin (kernel ns), from read-only data set at load.
  llvm::Value *loadStartNs();
  /// Windowed aggregation: fold x into the partial of the current slot.
  void writeExemplar(MapState &m, llvm::Value *key, llvm::Value *now, llvm::Value *seq);
  void lowerWindowed(MapState &m, llvm::Value *key, llvm::Value *x, int64_t lmin,
                     int64_t lmax, int64_t lstep);
  /// Counts `amount` (null: one) updates of map `index` dropped because the
  /// map is full.
  void bumpFullCounter(uint32_t index, llvm::Value *amount = nullptr);
  /// bpf_map_update_elem(BPF_ANY), counting a failure as a full map.
  void updateOrCount(MapState &m, llvm::Value *key, llvm::Value *value);

  //===-- write_combine.cpp ------------------------------------------===//
  /// Maps the programs read, test or delete from (never write-combined).
  void findMapsReadInBpf();
  std::set<std::string> mapsReadInBpf;
  bool wantsCombine(const contract::MapSpec &ms) const;
  /// `@m[k] = count()/sum(x)/avg(x)/stats(x)` through the map's cache.
  void lowerCombined(MapState &m, llvm::Value *key, llvm::Value *x);

  //===-- debug_info.cpp ---------------------------------------------===//
  void initDebugInfo();
  llvm::DIFile *diFile(uint32_t fileId);
  llvm::DISubprogram *beginSubprogram(llvm::Function *fn, SourceRange where);
  void setLocation(SourceRange r);
  void attachMapBtf(llvm::GlobalVariable *gv, uint32_t mapType, uint32_t maxEntries,
                    uint32_t keySize, const std::vector<contract::KeyField> *keyFields,
                    uint32_t valueSize, const contract::MapSpec *spec, SourceRange where,
                    uint32_t mapFlags = 0);
  void finishDebugInfo();
  void attachRodataBtf(llvm::GlobalVariable *gv);

  //===-- memory -----------------------------------------------------===//
  /// A zero-initialised-on-demand buffer of `size` bytes: on the stack when
  /// small, else in the per-CPU scratch map.
  llvm::Value *allocMem(uint32_t size, const char *name = "buf");
  llvm::Value *allocI64(const char *name);
  void copyMem(llvm::Value *dst, llvm::Value *src, uint32_t size);
  void zeroMem(llvm::Value *dst, uint32_t size, uint32_t align = 8);
  /// Copies a string of srcSize into dst of dstSize, zero padding the rest.
  void copyString(llvm::Value *dst, uint32_t dstSize, llvm::Value *src, uint32_t srcSize);
  llvm::Value *bytePtr(llvm::Value *base, uint64_t offset);
  llvm::Value *passthrough(llvm::Value *v);
  /// Stores value `v` of type `from` into `dst` laid out as `to`: integers
  /// as 8 bytes, strings resized and zero padded, tuples part by part.
  void convertValue(llvm::Value *dst, const Type *to, llvm::Value *v, const Type *from);
  /// A tuple in memory (elements `from`) converted element by element to
  /// the layout of `to` (a tuple's elements, or a key's parts).
  void convertElements(llvm::Value *dst, const std::vector<const Type *> &to, llvm::Value *v,
                       const std::vector<const Type *> &from);
  void error(SourceRange r, const std::string &msg);

  // Module-wide state.
  llvm::Module &M;
  llvm::LLVMContext &C;
  llvm::IRBuilder<> B;
  HelperTarget &H;
  const CodegenInput &in;
  Diagnostics &diags;
  const CodegenOptions &opts;
  contract::ObjectSpec &spec;
  std::map<std::string, MapState> maps;
  std::set<std::string> refusedMaps; ///< maps whose lowering reported an error
  std::map<std::string, FixedMap> fixedMaps;
  std::unique_ptr<llvm::DIBuilder> dib;
  llvm::DICompileUnit *cu = nullptr;
  std::map<uint32_t, llvm::DIFile *> files;
  llvm::DIType *diInt = nullptr, *diU64 = nullptr, *diI64 = nullptr, *diU32 = nullptr,
               *diU8 = nullptr, *diVoidPtr = nullptr;
  unsigned passthroughSeq = 0;
  bool failed = false;

  // Per-program state.
  llvm::Function *fn = nullptr;
  llvm::DISubprogram *sp = nullptr;
  llvm::Value *ctx = nullptr;
  llvm::BasicBlock *entryBlock = nullptr;
  llvm::BasicBlock *prologue = nullptr;  ///< runs before the body; finds scratch
  llvm::BasicBlock *bodyBlock = nullptr;
  llvm::Value *scratchBase = nullptr;    ///< per-CPU scratch, looked up in the prologue
  uint32_t scratchUsed = 0;
  uint32_t stackUsed = 0;
  uint32_t scratchMax = 0;
  contract::AttachKind attachKind = contract::AttachKind::Begin;
  std::string probeName; ///< the `probe` builtin: the concrete attach point
  std::string funcName;  ///< the `func` builtin: the traced function or event
  std::vector<UsdtArgument> usdtArgs; ///< the arguments of the usdt site being lowered
  unsigned paramDepth = 0;
  std::map<std::string, VarSlot> vars;
  llvm::BasicBlock *exitBlock = nullptr; ///< `return;` jumps here
  /// Innermost last: (continue target, break target) of enclosing loops.
  std::vector<std::pair<llvm::BasicBlock *, llvm::BasicBlock *>> loops;
};

} // namespace obs::cg
