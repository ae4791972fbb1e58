//===- map_layout.h - BPF map constants shared by the map lowering -------===//
//
// Internal to codegen: map types and update flags of the BPF UAPI, and the
// sizes of runtime/window/partials.h structures the lowering writes.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"
#include "lang/grammar/ast.h"

#include <cstdint>

namespace obs::cg {

enum MapType : uint32_t {
  Hash = 1,
  Array = 2,
  PercpuHash = 5,
  PercpuArray = 6,
  StackTrace = 7,
  Ringbuf = 27,
};
inline constexpr uint64_t kBpfNoExist = 1;
inline constexpr uint64_t kBpfExist = 2;
inline constexpr uint32_t kExemplarSize = 80; // sizeof(struct obs_exemplar)
inline constexpr uint32_t kExemplarSlotSize = 96; // sizeof(struct obs_exemplar_slot)
// runtime/window/partials.h: OBS_QUANTILE_MAG_BUCKETS, OBS_QUANTILE_BUCKETS.
inline constexpr uint32_t kQuantileMagBuckets = 976;
inline constexpr uint32_t kQuantileBuckets = 2 * kQuantileMagBuckets;
inline constexpr uint64_t kBpfAny = 0;

/// The value of a constant integer expression (literal or negated literal).
bool constantInt(const Expr *e, int64_t &out);
/// The print mode of a kstack/ustack expression (`ustack(perf)`); Bpftrace
/// for anything else.
contract::StackMode stackModeOf(const Expr *e);

} // namespace obs::cg
