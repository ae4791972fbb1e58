//===- event_context.h - a replay event laid out as a probe's context -----===//
//
// A probe body reads its context as the kernel gives it: a tracepoint's
// record (with __data_loc strings after it), pt_regs for kprobes and
// uprobes (usdt arguments in their registers or in memory at a register),
// the argument words of raw tracepoints and fentry. ContextPlan is how one
// program's context is laid out, planned once; buildContext writes one
// event's context into a EventContexts, which owns the memory (the context,
// the strings its pointers point to, usdt memory) and says which bytes of it
// probe reads may copy.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/contract.h"
#include "codegen/host/host_runtime.h"
#include "lang/sema/catalog/elf_symbols.h"
#include "runtime/replay/events.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace obs {
struct Type;
}

namespace obs::host {

/// The contexts of one event's programs, in memory of their own (reused
/// from event to event): the contexts, the strings their pointers point
/// to, usdt memory.
struct EventContexts {
  explicit EventContexts(std::vector<MemRange> &r) : readable(r) {}
  std::vector<uint64_t> mem;
  std::vector<uint32_t> ctxAt; ///< per program: its first word in mem
  /// Where the ranges of mem that probe reads may copy from go (the
  /// runtime's).
  std::vector<MemRange> &readable;

  void clear() {
    ctxAt.clear();
    readable.clear();
  }
};


/// How one program's context is laid out.
struct ContextPlan {
  /// A tracepoint field, resolved once: where and how an argument goes.
  struct FieldPlan {
    enum class Kind : uint8_t { DataLoc, Chars, Array, Word } kind;
    std::string name;
    uint32_t offset = 0;
    uint32_t size = 0;  ///< Chars: capacity; Word: bytes written
    uint32_t count = 0; ///< Array: elements (size = element bytes)
  };
  contract::AttachKind kind = contract::AttachKind::Begin;
  const Type *record = nullptr; ///< tracepoint args
  size_t bytes = 256;           ///< the context's fixed part
  std::vector<FieldPlan> fields;
  /// The argument names of the last event seen and the fields that have
  /// an argument among them, in order: (field, the first argument of its
  /// name). Events of one probe have the same names in the same order, so
  /// the names are compared, not searched.
  std::vector<std::string> shape;
  struct Filled {
    uint32_t field, arg;
    FieldPlan::Kind kind;
  };
  std::vector<Filled> filled;
  /// The sizes contextWords found for the event buildContext lays out next.
  size_t dyn = 0, extraWords = 0;
  uint64_t lastShape = 0; ///< ReplayEvent::shape of the last event, if any
  /// usdt: where each argument is (a register, or memory at a register
  /// plus a displacement): replay puts the recorded value there.
  bool usdt = false;
  std::vector<UsdtArgument> usdtArgs;

  /// Plans the fields of a tracepoint's record.
  void planFields(const Type *record);
};

/// Words of EventContexts::mem that plan's context for ev needs, with the
/// strings it points to and its usdt memory (call it before buildContext,
/// for the same event).
size_t contextWords(ContextPlan &plan, const replay::ReplayEvent &ev);

/// Writes plan's context for ev at word `at` of out.mem (which has room:
/// contextWords), with its readable ranges; returns the word after it.
size_t buildContext(ContextPlan &plan, const replay::ReplayEvent &ev, EventContexts &out,
                    size_t at);

} // namespace obs::host
