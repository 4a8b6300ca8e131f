#include "verify/once_map.h"

#include <gtest/gtest.h>

#include <atomic>
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

}  // namespace
}  // namespace verify
