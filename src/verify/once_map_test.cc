#include "verify/once_map.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace verify {
namespace {

TEST(OnceMap, ComputesEachKeyOnceAcrossThreads) {
  OnceMap<int> map;
  std::atomic<int> computed{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 50; ++i) {
          const int value = map.get("key" + std::to_string(i % 5), [&] {
            ++computed;
            return i % 5;
          });
          EXPECT_EQ(value, i % 5);
        }
      });
    }
  }
  EXPECT_EQ(computed.load(), 5);
  EXPECT_EQ(map.size(), 5u);
}

TEST(OnceMap, AThrowingComputationReachesEveryCallerOfTheKey) {
  OnceMap<int> map;
  const auto fails = []() -> int { throw std::runtime_error("registry client bug"); };
  EXPECT_THROW(map.get("key", fails), std::runtime_error);
  // Not a broken_promise: the waiters see the same exception.
  EXPECT_THROW(map.get("key", [] { return 1; }), std::runtime_error);
  EXPECT_EQ(map.get("other", [] { return 2; }), 2);
}

}  // namespace
}  // namespace verify
