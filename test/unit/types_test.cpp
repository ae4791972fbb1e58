//===- types_test.cpp - the type model: interning, spelling, sizes, units -===//
#include "lang/sema/types.h"

#include <gtest/gtest.h>

using namespace obs;

TEST(Types, InterningGivesPointerEquality) {
  TypeTable t;
  EXPECT_EQ(t.integer(64, false), t.u64());
  EXPECT_EQ(t.integer(32, true), t.integer(32, true));
  EXPECT_NE(t.integer(32, true), t.integer(32, false));
  EXPECT_NE(t.u64(), t.integer(64, false, Quantity{Quantity::Size}));
  EXPECT_EQ(t.string(16), t.string(16));
  EXPECT_NE(t.string(16), t.string(64));
  EXPECT_EQ(t.pointer(t.integer(8, true)), t.pointer(t.integer(8, true)));
  EXPECT_EQ(t.array(t.u64(), 4), t.array(t.u64(), 4));
  EXPECT_NE(t.array(t.u64(), 4), t.array(t.u64(), 5));
  EXPECT_EQ(t.tuple({t.i64(), t.string(16)}), t.tuple({t.i64(), t.string(16)}));
  EXPECT_NE(t.tuple({t.i64(), t.string(16)}), t.tuple({t.string(16), t.i64()}));
  EXPECT_EQ(t.stack(false, 127), t.stack(false, 127));
  EXPECT_NE(t.stack(false, 127), t.stack(true, 127));
  EXPECT_EQ(t.aggregation(AggregationKind::Hist, t.u64()),
            t.aggregation(AggregationKind::Hist, t.u64()));
  EXPECT_NE(t.aggregation(AggregationKind::Hist, t.u64()),
            t.aggregation(AggregationKind::Lhist, t.u64()));
  EXPECT_EQ(t.pointer(nullptr), t.pointer(t.voidType()));
  EXPECT_EQ(t.timestamp(), t.timestamp());
  EXPECT_EQ(t.inet(), t.inet());
  EXPECT_EQ(t.symbol(true), t.symbol(true));
}

TEST(Types, Spelling) {
  TypeTable t;
  EXPECT_EQ(t.u64()->str(), "uint64");
  EXPECT_EQ(t.integer(32, true)->str(), "int32");
  EXPECT_EQ(t.integer(64, false, Quantity{Quantity::Size})->str(),
            "uint64 [size]");
  EXPECT_EQ(t.floating(Quantity{Quantity::Count, true})->str(),
            "float [count/s]");
  EXPECT_EQ(t.string(64)->str(), "string[64]");
  EXPECT_EQ(t.string(0)->str(), "string[]");
  EXPECT_EQ(t.buffer(32)->str(), "buffer[32]");
  EXPECT_EQ(t.pointer(t.integer(8, true))->str(), "int8 *");
  EXPECT_EQ(t.pointer(t.pointer(t.voidType()))->str(), "void **");
  EXPECT_EQ(t.array(t.integer(8, false), 4)->str(), "uint8[4]");
  EXPECT_EQ(t.tuple({t.integer(32, true), t.string(16)})->str(),
            "(int32, string[16])");
  EXPECT_EQ(t.aggregation(AggregationKind::Count, nullptr)->str(), "count");
  EXPECT_EQ(t.stack(false, 127)->str(), "kstack[127]");
  EXPECT_EQ(t.symbol(false)->str(), "ksym");
  Type *r = t.createRecord("struct task_struct");
  r->size = 8;
  EXPECT_EQ(t.pointer(r)->str(), "struct task_struct *");
}

TEST(Types, StorageSize) {
  TypeTable t;
  EXPECT_EQ(t.u64()->storageSize(), 8u);
  EXPECT_EQ(t.integer(8, true)->storageSize(), 1u);
  EXPECT_EQ(t.string(16)->storageSize(), 16u);
  EXPECT_EQ(t.pointer(t.voidType())->storageSize(), 8u);
  EXPECT_EQ(t.array(t.integer(32, false), 4)->storageSize(), 16u);
  // C layout: int32 at 0, padding, uint64 at 8.
  EXPECT_EQ(t.tuple({t.integer(32, true), t.u64()})->storageSize(), 16u);
  // string[16] at 0, int32 at 16; aligned to 4.
  EXPECT_EQ(t.tuple({t.string(16), t.integer(32, true)})->storageSize(), 20u);
  EXPECT_EQ(t.voidType()->storageSize(), 0u);
}

TEST(Types, QuantityDescribe) {
  EXPECT_EQ(Quantity{}.describe(), "a plain number");
  EXPECT_EQ((Quantity{Quantity::Count}).describe(), "a count");
  EXPECT_EQ((Quantity{Quantity::Size}).describe(), "a size");
  EXPECT_EQ((Quantity{Quantity::Duration}).describe(), "a duration");
  EXPECT_EQ((Quantity{Quantity::Count, true}).describe(),
            "a rate (per second)");
  EXPECT_EQ((Quantity{Quantity::Size, true}).describe(), "a size per second");
}

TEST(Types, QuantityFromLiteral) {
  EXPECT_EQ(Quantity::fromLiteral(Unit::None), Quantity{});
  EXPECT_EQ(Quantity::fromLiteral(Unit::Duration),
            (Quantity{Quantity::Duration}));
  EXPECT_EQ(Quantity::fromLiteral(Unit::Size), (Quantity{Quantity::Size}));
  EXPECT_EQ(Quantity::fromLiteral(Unit::Rate),
            (Quantity{Quantity::Count, true}));
  EXPECT_EQ(Quantity::fromLiteral(Unit::ByteRate),
            (Quantity{Quantity::Size, true}));
}

TEST(Types, AggregationNames) {
  EXPECT_STREQ(aggregationName(AggregationKind::Count), "count");
  EXPECT_STREQ(aggregationName(AggregationKind::Lhist), "lhist");
  EXPECT_STREQ(aggregationName(AggregationKind::Quantile), "quantile");
  EXPECT_STREQ(aggregationName(AggregationKind::R2), "r2");
}

TEST(Types, RecordsAreNominalAndReusedWhileIncomplete) {
  TypeTable t;
  Type *fwd = t.createRecord("struct foo");
  EXPECT_EQ(t.record("struct foo"), fwd);
  const Type *p = t.pointer(fwd);
  // Completing the forward declaration keeps the same object.
  Type *full = t.createRecord("struct foo");
  EXPECT_EQ(full, fwd);
  full->fields.push_back(Field{"x", t.integer(32, true), 0});
  full->size = 4;
  EXPECT_EQ(p->pointee->field("x")->type, t.integer(32, true));
  EXPECT_EQ(t.createRecord("struct foo"), nullptr);
  EXPECT_EQ(t.record("struct bar"), nullptr);
  EXPECT_EQ(full->field("y"), nullptr);
}

TEST(Types, LazyRecordFields) {
  TypeTable t;
  Type *r = t.createRecord("struct lazy");
  r->size = 8;
  int fills = 0;
  r->fillFields = [&](Type &self) {
    ++fills;
    self.fields.push_back(Field{"a", t.u64(), 0});
  };
  const Type *cr = r;
  ASSERT_NE(cr->field("a"), nullptr);
  EXPECT_EQ(cr->recordFields().size(), 1u);
  EXPECT_EQ(fills, 1);
}
