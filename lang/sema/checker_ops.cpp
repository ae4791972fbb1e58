//===- checker_ops.cpp - names and types: operators, fields, casts --------===//
#include "lang/sema/checker.h"

#include "lang/sema/catalog/catalog.h"
#include "lang/sema/units.h"

#include <cctype>

namespace obs {

//===-- Operators -------------------------------------------------------===//

void ExprChecker::condition(Expr *cond) {
  visit(cond);
  const Type *t = cond ? cond->type : nullptr;
  if (t && !t->isNumeric() && !t->isPointer())
    ctx_.diags.report(DiagKind::type_mismatch, cond->range,
                      {"a condition must be a number or a pointer, but it is " + t->str()});
}

void ExprChecker::visitUnary(Expr &e, Unary &n) {
  bool step = n.op == UnaryOp::PreInc || n.op == UnaryOp::PreDec ||
              n.op == UnaryOp::PostInc || n.op == UnaryOp::PostDec;
  if (auto *m = n.operand->as<MapRef>(); m && step) {
    // @m[k]++ assigns the map: an integer counter.
    for (Expr *k : m->keys)
      visit(k);
    MapInfo &info = ctx_.maps[mapName(*m)];
    if (!info.assigned) {
      info.name = mapName(*m);
      info.firstUse = n.operand->range;
      info.keys = keyParts(ctx_.types, *m);
      info.value = ctx_.types.i64();
      info.assigned = true;
    } else {
      checkKeys(*n.operand, *m, true);
      if (info.value && !info.value->isInteger())
        ctx_.diags.report(DiagKind::map_value_mismatch, e.range,
                          {mapName(*m), "an integer", info.value->str()})
            .note(info.firstUse, "first assigned here");
    }
    n.operand->type = info.value;
    e.type = info.value;
    return;
  }
  visit(n.operand);
  const Type *t = n.operand->type;
  if (!t) {
    e.type = ctx_.types.i64();
    return;
  }
  switch (n.op) {
  case UnaryOp::Neg: case UnaryOp::BitNot:
    if (!t->isNumeric())
      ctx_.diags.report(DiagKind::type_mismatch, e.range,
                        {"cannot negate " + t->str()});
    e.type = t->isNumeric() ? (t->isInteger() ? ctx_.types.integer(t->bits, true, t->quantity) : t)
                            : ctx_.types.i64();
    return;
  case UnaryOp::Not:
    e.type = ctx_.types.i64();
    return;
  case UnaryOp::Deref:
    if (t->isPointer()) {
      e.type = t->pointee && t->pointee->kind != TypeKind::Void ? t->pointee : ctx_.types.u64();
    } else if (t->isInteger()) {
      e.type = ctx_.types.u64();
    } else {
      ctx_.diags.report(DiagKind::type_mismatch, e.range, {"cannot dereference " + t->str()});
      e.type = ctx_.types.u64();
    }
    return;
  case UnaryOp::AddrOf:
    e.type = ctx_.types.pointer(t);
    return;
  case UnaryOp::PreInc: case UnaryOp::PreDec: case UnaryOp::PostInc: case UnaryOp::PostDec:
    if (!n.operand->is<Variable>() && !n.operand->is<MapRef>())
      ctx_.diags.report(DiagKind::not_assignable, n.operand->range, {"this expression"});
    e.type = t;
    return;
  }
}

static const char *binaryOpSpelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add: return "+"; case BinaryOp::Sub: return "-";
  case BinaryOp::Mul: return "*"; case BinaryOp::Div: return "/";
  case BinaryOp::Mod: return "%"; case BinaryOp::Shl: return "<<";
  case BinaryOp::Shr: return ">>"; case BinaryOp::BitAnd: return "&";
  case BinaryOp::BitOr: return "|"; case BinaryOp::BitXor: return "^";
  case BinaryOp::Eq: return "=="; case BinaryOp::Ne: return "!=";
  case BinaryOp::Lt: return "<"; case BinaryOp::Le: return "<=";
  case BinaryOp::Gt: return ">"; case BinaryOp::Ge: return ">=";
  case BinaryOp::LogAnd: return "&&"; case BinaryOp::LogOr: return "||";
  }
  return "?";
}

void ExprChecker::visitBinary(Expr &e, Binary &n) {
  visit(n.lhs);
  visit(n.rhs);
  const Type *l = n.lhs->type, *r = n.rhs->type;
  TypeTable &T = ctx_.types;
  if (!l || !r) {
    e.type = T.i64();
    return;
  }
  bool compare = n.op == BinaryOp::Eq || n.op == BinaryOp::Ne || n.op == BinaryOp::Lt ||
                 n.op == BinaryOp::Le || n.op == BinaryOp::Gt || n.op == BinaryOp::Ge;
  if (n.op == BinaryOp::LogAnd || n.op == BinaryOp::LogOr) {
    for (const Type *t : {l, r})
      if (!t->isNumeric() && !t->isPointer())
        ctx_.diags.report(DiagKind::type_mismatch, (t == l ? n.lhs : n.rhs)->range,
                          {std::string("operands of '") + binaryOpSpelling(n.op) +
                           "' must be numbers or pointers, but this is " + t->str()});
    e.type = T.i64();
    return;
  }
  if (l->isString() || r->isString()) {
    if ((n.op == BinaryOp::Eq || n.op == BinaryOp::Ne) && l->isString() && r->isString()) {
      e.type = T.i64();
      return;
    }
    auto d = ctx_.diags.report(DiagKind::type_mismatch, e.range,
                               {std::string("cannot apply '") + binaryOpSpelling(n.op) +
                                "' to " + l->str() + " and " + r->str()});
    if (l->isString() && r->isString())
      d.hint("strings can only be compared with == and !=");
    e.type = T.i64();
    return;
  }
  bool lok = l->isNumeric() || l->isPointer(), rok = r->isNumeric() || r->isPointer();
  if (!lok || !rok) {
    ctx_.diags.report(DiagKind::type_mismatch, (lok ? n.rhs : n.lhs)->range,
                      {std::string("cannot apply '") + binaryOpSpelling(n.op) + "' to " +
                       (lok ? r : l)->str()});
    e.type = T.i64();
    return;
  }
  const char *verb = "combine";
  auto q = combineQuantities(n.op, l->quantity, r->quantity, verb);
  if (!q) {
    auto d = ctx_.diags.report(DiagKind::unit_mismatch, e.range,
                               {verb, l->quantity.describe(), r->quantity.describe()});
    d.note(n.lhs->range, "this is " + l->quantity.describe());
    d.note(n.rhs->range, "this is " + r->quantity.describe());
    std::string h = unitHint(l->quantity.base == Quantity::Plain ? r->quantity : l->quantity);
    if (!h.empty())
      d.hint(h);
    q = Quantity{};
  }
  if (compare) {
    e.type = T.i64();
  } else if (l->kind == TypeKind::Float || r->kind == TypeKind::Float) {
    e.type = T.floating(*q);
  } else if (l->isPointer() && (n.op == BinaryOp::Add || n.op == BinaryOp::Sub) && r->isInteger()) {
    e.type = l;
  } else {
    unsigned bits = std::max(l->isPointer() ? 64u : l->bits, r->isPointer() ? 64u : r->bits);
    bits = std::max(bits, 64u); // arithmetic is done at 64 bits, as in bpftrace
    // As in C at 64 bits: signed only when both operands are.
    e.type = T.integer(bits, l->isInteger() && l->isSigned && r->isInteger() && r->isSigned, *q);
  }
}

void ExprChecker::visitTernary(Expr &e, Ternary &n) {
  condition(n.cond);
  visit(n.then);
  visit(n.otherwise);
  const Type *a = n.then->type, *b = n.otherwise->type;
  if (!a || !b) {
    e.type = a ? a : b;
    return;
  }
  if (a->isInteger() && b->isInteger()) {
    e.type = unifyIntegers(ctx_.types, a, b);
  } else if (a->isString() && b->isString()) {
    e.type = a->size >= b->size ? a : b;
  } else if (a->isNumeric() && b->isNumeric()) {
    e.type = ctx_.types.floating(a->quantity);
  } else if (sameShape(a, b)) {
    e.type = a;
  } else {
    ctx_.diags.report(DiagKind::type_mismatch, e.range,
                      {"the branches of '?:' have different types: " + a->str() + " and " +
                       b->str()});
    e.type = a;
  }
}

//===-- Fields, indexes, casts ------------------------------------------===//

const Type *ExprChecker::argsType(Expr &e) {
  TypeTable &T = ctx_.types;
  const Type *found = nullptr;
  for (AttachPoint *ap : scope_.points) {
    for (const std::string &x : ap->expansions) {
      std::string err;
      const Type *t = nullptr;
      if (ap->kind == ProbeKind::Tracepoint) {
        size_t colon = x.find(':');
        t = ctx_.catalog.tracepointArgs(x.substr(0, colon),
                                        colon == std::string::npos ? "" : x.substr(colon + 1), err);
      } else if (ap->kind == ProbeKind::Fentry || ap->kind == ProbeKind::Fexit ||
                 ap->kind == ProbeKind::RawTracepoint) {
        auto sig = ap->kind == ProbeKind::RawTracepoint ? ctx_.catalog.rawTracepoint(x, err)
                                                        : ctx_.catalog.kernelFunction(x, err);
        if (sig) {
          std::string name = "args of " + std::string(probeKindName(ap->kind)) + ":" + x;
          if (const Type *r = T.record(name)) {
            t = r;
          } else {
            Type *rec = T.createRecord(name);
            uint32_t off = 0;
            for (const FunctionParam &p : sig->params) {
              rec->fields.push_back(Field{p.name, p.type ? p.type : T.u64(), off, 0, 0});
              off += 8;
            }
            rec->size = off;
            t = rec;
          }
        }
      }
      if (!t) {
        ctx_.diags.report(DiagKind::bad_probe_arg, e.range,
                          {"cannot read the arguments of " + std::string(probeKindName(ap->kind)) +
                           ":" + x + (err.empty() ? "" : ": " + err)});
        return T.u64();
      }
      if (!found)
        found = t;
    }
  }
  return found ? found : T.u64();
}

void ExprChecker::visitFieldAccess(Expr &e, FieldAccess &n) {
  visit(n.base);
  const Type *t = n.base->type;
  e.type = ctx_.types.u64();
  if (!t)
    return;
  if (t->kind == TypeKind::Tuple) {
    size_t idx = 0;
    bool digits = !n.field.empty();
    for (char c : n.field)
      digits = digits && c >= '0' && c <= '9';
    if (digits)
      idx = std::stoul(n.field.substr(0, 6));
    if (!digits || idx >= t->elements.size()) {
      ctx_.diags.report(DiagKind::unknown_field, n.fieldRange, {t->str(), n.field})
          .note("tuple elements are read by index: .0 to ." +
                std::to_string(t->elements.size() - 1));
      return;
    }
    e.type = t->elements[idx];
    return;
  }
  bool isArgs = n.base->is<Identifier>() && n.base->as<Identifier>()->name == "args";
  const Type *rec = t;
  if (t->isPointer() && t->pointee && t->pointee->isRecord()) {
    rec = t->pointee;
    if (!n.arrow)
      ctx_.diags.report(DiagKind::type_mismatch, n.fieldRange,
                        {"'" + t->str() + "' is a pointer; use '->' to reach its field '" +
                         n.field + "'"});
  } else if (t->isRecord() && n.arrow && !isArgs) {
    ctx_.diags.report(DiagKind::type_mismatch, n.fieldRange,
                      {"'" + t->str() + "' is not a pointer; use '.' to reach its field '" +
                       n.field + "'"});
  }
  if (!rec->isRecord()) {
    ctx_.diags.report(DiagKind::not_a_struct, n.fieldRange, {n.field, t->str()});
    return;
  }
  const Field *f = rec->field(n.field);
  if (!f) {
    std::vector<std::string> names;
    for (const Field &x : rec->recordFields())
      names.push_back(x.name);
    auto d = ctx_.diags.report(DiagKind::unknown_field, n.fieldRange, {rec->str(), n.field});
    d.suggest(n.field, names);
    if (names.size() <= 12 && !names.empty()) {
      std::string all;
      for (auto &x : names)
        all += (all.empty() ? "" : ", ") + x;
      d.note("its fields are: " + all);
    }
    return;
  }
  // With a wildcard, the field must exist in every matched tracepoint.
  if (isArgs) {
    for (AttachPoint *ap : scope_.points) {
      if (ap->kind != ProbeKind::Tracepoint || ap->expansions.size() < 2)
        continue;
      for (const std::string &x : ap->expansions) {
        std::string err;
        size_t colon = x.find(':');
        const Type *other = ctx_.catalog.tracepointArgs(x.substr(0, colon), x.substr(colon + 1), err);
        if (other && !other->field(n.field)) {
          ctx_.diags.report(DiagKind::unknown_field, n.fieldRange,
                            {"args of tracepoint:" + x, n.field})
              .note("'" + ap->text + "' matches " + std::to_string(ap->expansions.size()) +
                    " tracepoints; a field of args must exist in all of them");
          return;
        }
      }
    }
  }
  e.type = f->type ? f->type : ctx_.types.u64();
  // `__data_loc char[]` (a String of size 0 in the record) reads as a
  // bounded string; codegen decodes the location from the record's field.
  if (e.type->isString() && e.type->size == 0)
    e.type = ctx_.types.string(64);
}

void ExprChecker::visitIndex(Expr &e, Index &n) {
  visit(n.base);
  visit(n.index);
  const Type *t = n.base->type;
  e.type = ctx_.types.u64();
  if (n.index->type && !n.index->type->isInteger())
    ctx_.diags.report(DiagKind::type_mismatch, n.index->range,
                      {"an index must be an integer, but it is " + n.index->type->str()});
  if (!t)
    return;
  if (t->kind == TypeKind::Array || t->isPointer())
    e.type = t->pointee && t->pointee->kind != TypeKind::Void ? t->pointee : ctx_.types.u64();
  else if (t->isString())
    e.type = ctx_.types.integer(8, true);
  else
    ctx_.diags.report(DiagKind::type_mismatch, n.base->range,
                      {"cannot index " + t->str() + "; only pointers, arrays and strings"});
}

const Type *ExprChecker::resolveTypeName(const TypeName &tn) {
  const Type *t = builtinIntegerType(ctx_.types, tn.name);
  if (!t)
    t = ctx_.catalog.btfType(tn.name);
  if (!t) {
    std::string what = tn.name;
    auto d = ctx_.diags.report(DiagKind::unknown_type, tn.range, {what});
    if (what.rfind("struct ", 0) != 0 && what.rfind("union ", 0) != 0)
      d.suggest(what, {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"});
    else if (!ctx_.catalog.hasBtf())
      d.note("no kernel BTF is available: " + ctx_.catalog.btfError());
    return nullptr;
  }
  for (unsigned i = 0; i < tn.pointers; ++i)
    t = ctx_.types.pointer(t);
  return t;
}

void ExprChecker::visitCast(Expr &e, Cast &n) {
  visit(n.operand);
  const Type *t = resolveTypeName(n.type);
  if (!t) {
    e.type = ctx_.types.u64();
    return;
  }
  const Type *from = n.operand->type;
  if (t->isRecord() && n.type.pointers == 0) {
    ctx_.diags.report(DiagKind::type_mismatch, e.range,
                      {"cannot cast to " + t->str() + "; cast to a pointer: (" + t->str() + " *)"});
  } else if (from && !from->isNumeric() && !from->isPointer() && from->kind != TypeKind::Array) {
    ctx_.diags.report(DiagKind::type_mismatch, n.operand->range,
                      {"cannot cast " + from->str() + " to " + t->str()});
  }
  if (t->isInteger() && from && from->isInteger())
    t = ctx_.types.integer(t->bits, t->isSigned, from->quantity);
  e.type = t;
}

void ExprChecker::visitTuple(Expr &e, Tuple &n) {
  std::vector<const Type *> elems;
  for (Expr *x : n.elems) {
    visit(x);
    elems.push_back(x->type ? x->type : ctx_.types.i64());
    if (x->type && (x->type->kind == TypeKind::Void || x->type->kind == TypeKind::Aggregation))
      ctx_.diags.report(DiagKind::type_mismatch, x->range,
                        {"a tuple element must be a value, but this is " + x->type->str()});
  }
  e.type = ctx_.types.tuple(elems);
}

void ExprChecker::visitSizeof(Expr &e, Sizeof &n) {
  e.type = ctx_.types.u64();
  if (n.isType)
    resolveTypeName(n.type);
  else
    visit(n.operand);
}

} // namespace obs
