//===- print_value.cpp - print(value) of a non-map value ------------------===//
//
// bpftrace 0.17 prints a value on its own line: integers, strings, stacks
// and symbols as printf's %d/%u/%s would, tuples as `(1, x, (2, y))`. In
// JSON it is {"type": "value", "data": ...}: numbers bare, text quoted,
// tuples as arrays ([1,"x",[2,"y"]]), strftime() values bare (bpftrace
// does not quote them).
//
// The record is a printf record: the format table gets a synthesized
// format ("(%d, %s)\n") and PrintfSpec::json its JSON shape ("[%d,%s]"),
// so every consumer of printf records (the live session, obsc test's
// replay) prints the text; the live JSON output prints the value record.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering.h"
#include "codegen/map_layout.h"

#include <functional>

namespace obs::cg {

namespace {
/// The conversion of one leaf in the text format and in the JSON shape.
void leafConversions(const contract::FormatArg &fa, std::string &text,
                     std::string &json) {
  using FK = contract::FormatArg::Kind;
  switch (fa.kind) {
  case FK::Int:
    text += "%d";
    json += "%d";
    break;
  case FK::Uint:
    text += "%u";
    json += "%u";
    break;
  case FK::Timestamp:
    text += "%s";
    json += "%r"; // bare, as bpftrace prints it
    break;
  default:
    text += "%s";
    json += "%s";
    break;
  }
}
} // namespace

void Lowering::lowerPrintValue(Expr &e, Call &c) {
  if (c.args.size() != 1) {
    error(e.range, "print(value) takes one argument");
    return;
  }
  contract::PrintfSpec ps;
  std::vector<llvm::Value *> vals;
  std::vector<uint32_t> srcSizes;
  uint32_t off = sizeof(contract::EventHeader);
  std::string text, json;
  bool failed = false;

  // One leaf: its value (v, or a lowered), its record slot, its conversion.
  auto leaf = [&](Expr *a, const Type *t, llvm::Value *v) {
    Expr funcStr{a ? a->range : e.range, ExprNode(StringLit{funcName}),
                 nullptr};
    if (!v) {
      v = lowerFormatValue(a, funcStr);
      if (!v) {
        failed = true;
        return;
      }
      t = a->type;
    }
    contract::FormatArg fa = formatArgFor(a, t, v);
    fa.offset = off;
    off += align8(fa.size);
    leafConversions(fa, text, json);
    ps.args.push_back(fa);
    vals.push_back(v);
    srcSizes.push_back(t && t->size ? t->size : fa.size);
  };
  // A tuple literal's elements are lowered one by one (each keeps its
  // expression: stack modes, `func`); a tuple value is read back from its
  // slots (contract.h: 8-byte aligned parts).
  std::function<void(Expr *, const Type *, llvm::Value *)> value =
      [&](Expr *a, const Type *t, llvm::Value *v) {
        if (failed)
          return;
        auto *lit = a && !v ? a->as<Tuple>() : nullptr;
        if (!lit && (!t || t->kind != TypeKind::Tuple)) {
          leaf(a, t, v);
          return;
        }
        if (!lit && !v && !(v = lowerExpr(a))) {
          failed = true;
          return;
        }
        text += "(";
        json += "[";
        size_t n = lit ? lit->elems.size() : t->elements.size();
        uint32_t slot = 0;
        for (size_t i = 0; i < n && !failed; ++i) {
          if (i) {
            text += ", ";
            json += ",";
          }
          if (lit) {
            value(lit->elems[i], lit->elems[i]->type, nullptr);
            continue;
          }
          const Type *et = t->elements[i];
          llvm::Value *p = bytePtr(v, slot);
          slot += slotSize(et);
          value(nullptr, et,
                isMemoryType(et) ? p : B.CreateLoad(B.getInt64Ty(), p));
        }
        text += ")";
        json += "]";
      };
  value(c.args[0], c.args[0]->type, nullptr);
  if (failed)
    return;
  ps.format = text + "\n";
  ps.json = json;
  ps.recordSize = off;
  emitFormatRecord(std::move(ps), vals, srcSizes, contract::EventKind::Printf);
}

} // namespace obs::cg
