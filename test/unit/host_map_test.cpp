// HostMap: the simulated BPF maps of the host target (codegen/host/
// host_runtime.h): kernel flags and errors, dense ids in insertion order,
// and the grouped layout of windowed maps (a user key's slots together).
#include "codegen/host/host_runtime.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace obs::host {
namespace {

constexpr uint64_t kAny = 0, kNoExist = 1, kExist = 2;

struct WinKey {
  uint64_t user;
  uint64_t slot;
};

/// A map of `rt`: a hash map, or with `slots` a windowed one (no exemplars).
HostMap &makeMap(HostRuntime &rt, uint32_t keySize, uint32_t valueSize, uint32_t maxEntries,
                 uint32_t slots = 0) {
  HostMap m;
  m.keySize = keySize;
  m.valueSize = valueSize;
  m.maxEntries = maxEntries;
  m.windowed = slots > 0;
  m.slots = slots;
  m.exemplars = false;
  return rt.addMap(std::move(m));
}

HostMap &windowed(HostRuntime &rt, uint32_t slots, uint32_t maxEntries = 1 << 16) {
  return makeMap(rt, 16, 16, maxEntries, slots);
}

TEST(HostMap, HashFlagsAndErrorsAsTheKernel) {
  HostRuntime rt;
  HostMap &h = makeMap(rt, 4, 8, 2);
  uint32_t k1 = 1, k2 = 2, k3 = 3;
  uint64_t v = 7;
  EXPECT_EQ(h.update(&k1, &v, kExist), -ENOENT);
  EXPECT_EQ(h.update(&k1, &v, kNoExist), 0);
  EXPECT_EQ(h.update(&k1, &v, kNoExist), -EEXIST);
  EXPECT_EQ(h.update(&k2, &v, kAny), 0);
  EXPECT_EQ(h.update(&k3, &v, kAny), -E2BIG); // full
  EXPECT_EQ(h.remove(&k3), -ENOENT);
  EXPECT_EQ(h.remove(&k1), 0);
  EXPECT_EQ(h.find(&k1), HostMap::kNone);
  EXPECT_EQ(h.update(&k3, &v, kAny), 0); // room again
  EXPECT_NE(h.find(&k2), HostMap::kNone);
  EXPECT_EQ(h.value(h.find(&k3))[0], 7u);
}

TEST(HostMap, ManyKeysGrowTheIndex) {
  HostRuntime rt;
  HostMap &h = makeMap(rt, 8, 8, 100000);
  for (uint64_t k = 0; k < 50000; ++k) {
    uint64_t v = k * 3;
    ASSERT_EQ(h.update(&k, &v, kAny), 0);
  }
  for (uint64_t k = 0; k < 50000; ++k) {
    uint32_t id = h.find(&k);
    ASSERT_NE(id, HostMap::kNone);
    EXPECT_EQ(h.value(id)[0], k * 3);
    EXPECT_EQ(std::memcmp(h.keyOf(id), &k, 8), 0);
  }
  uint64_t absent = 50000;
  EXPECT_EQ(h.find(&absent), HostMap::kNone);
  EXPECT_EQ(h.ids(), 50000u); // ids in insertion order, dense
}

TEST(HostMap, WindowedSlotsOfAKeyAreOneGroup) {
  HostRuntime rt;
  HostMap &h = windowed(rt, 4);
  uint64_t v[2] = {1, 0};
  // Keys out of slot order: each user key gets 4 consecutive ids.
  for (uint64_t user : {10u, 20u, 30u})
    for (uint64_t slot : {2u, 0u, 3u}) {
      WinKey k{user, slot};
      v[1] = user * 10 + slot;
      ASSERT_EQ(h.update(&k, v, kAny), 0);
    }
  EXPECT_EQ(h.ids(), 12u);
  EXPECT_EQ(h.live, 9u);
  std::set<uint32_t> groups;
  for (uint64_t user : {10u, 20u, 30u})
    for (uint64_t slot = 0; slot < 4; ++slot) {
      WinKey k{user, slot};
      uint32_t id = h.find(&k);
      if (slot == 1) {
        EXPECT_EQ(id, HostMap::kNone) << "slot 1 was never written";
        continue;
      }
      ASSERT_NE(id, HostMap::kNone);
      EXPECT_EQ(id % 4, slot);
      groups.insert(id / 4);
      EXPECT_EQ(h.value(id)[1], user * 10 + slot);
      WinKey back;
      std::memcpy(&back, h.keyOf(id), sizeof back);
      EXPECT_EQ(back.user, user);
      EXPECT_EQ(back.slot, slot);
    }
  EXPECT_EQ(groups.size(), 3u);
  // A slot erased (read by the window) and written again keeps its id.
  WinKey k{20, 3};
  uint32_t id = h.find(&k);
  h.erase(id);
  EXPECT_EQ(h.find(&k), HostMap::kNone);
  EXPECT_EQ(h.update(&k, v, kAny), 0);
  EXPECT_EQ(h.find(&k), id);
  // A slot index the kernel never makes is refused, not stored elsewhere.
  WinKey bad{10, 4};
  EXPECT_EQ(h.update(&bad, v, kAny), -E2BIG);
  EXPECT_EQ(h.find(&bad), HostMap::kNone);
}

TEST(HostMap, KeylessWindowedMapHasOneGroup) {
  HostRuntime rt;
  HostMap &h = makeMap(rt, 8, 16, 16, 3); // the key: the slot index only
  uint64_t v[2] = {1, 5};
  for (uint64_t slot : {1u, 2u, 0u, 1u})
    ASSERT_EQ(h.update(&slot, v, kAny), 0);
  EXPECT_EQ(h.ids(), 3u);
  for (uint64_t slot = 0; slot < 3; ++slot)
    EXPECT_EQ(h.find(&slot), slot);
}

TEST(HostMap, WindowedMapCountsEntriesAgainstItsSize) {
  HostRuntime rt;
  HostMap &h = windowed(rt, 4, 5);
  uint64_t v[2] = {1, 0};
  int ok = 0, full = 0;
  for (uint64_t user = 0; user < 3; ++user)
    for (uint64_t slot = 0; slot < 2; ++slot) {
      WinKey k{user, slot};
      (h.update(&k, v, kAny) == 0 ? ok : full)++;
    }
  EXPECT_EQ(ok, 5); // the kernel's hash holds key x slot entries
  EXPECT_EQ(full, 1);
}

} // namespace
} // namespace obs::host
