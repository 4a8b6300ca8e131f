#include "server/concurrency_limit.h"

#include <gtest/gtest.h>

#include <vector>

namespace server {
namespace {

TEST(ConcurrencyLimit, LimitsEachKey) {
  ConcurrencyLimit limit(2, 0);
  auto first = limit.try_acquire("a");
  auto second = limit.try_acquire("a");
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(limit.try_acquire("a"));
  EXPECT_TRUE(limit.try_acquire("b"));
  first.reset();
  EXPECT_EQ(limit.in_use("a"), 1u);
  EXPECT_TRUE(limit.try_acquire("a"));
}

TEST(ConcurrencyLimit, LimitsTheTotal) {
  ConcurrencyLimit limit(0, 3);
  std::vector<ConcurrencyLimit::Slot> held;
  for (const char* key : {"a", "b", "a"}) {
    auto slot = limit.try_acquire(key);
    ASSERT_TRUE(slot) << key;
    held.push_back(std::move(*slot));
  }
  EXPECT_FALSE(limit.try_acquire("c"));
  EXPECT_EQ(limit.in_use(), 3u);
  held.pop_back();
  EXPECT_TRUE(limit.try_acquire("c"));
}

TEST(ConcurrencyLimit, ZeroIsUnlimited) {
  ConcurrencyLimit limit(0, 0);
  std::vector<ConcurrencyLimit::Slot> held;
  for (int i = 0; i < 1000; ++i) {
    auto slot = limit.try_acquire("a");
    ASSERT_TRUE(slot) << i;
    held.push_back(std::move(*slot));
  }
  EXPECT_EQ(limit.in_use("a"), 1000u);
}

TEST(ConcurrencyLimit, AMovedSlotIsGivenBackOnce) {
  ConcurrencyLimit limit(1, 1);
  {
    auto slot = limit.try_acquire("a");
    ASSERT_TRUE(slot);
    ConcurrencyLimit::Slot moved(std::move(*slot));
    slot.reset();
    EXPECT_EQ(limit.in_use(), 1u);
    EXPECT_FALSE(limit.try_acquire("a"));
  }
  EXPECT_EQ(limit.in_use(), 0u);
  EXPECT_EQ(limit.in_use("a"), 0u);
  EXPECT_TRUE(limit.try_acquire("a"));
}

}  // namespace
}  // namespace server
