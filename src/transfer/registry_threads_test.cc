#include "transfer/registry_threads.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <thread>

namespace transfer {
namespace {

TEST(RegistryThreads, RunsEveryCallOnOneOfItsOwnThreadsWhateverThreadAsks) {
  RegistryThreads threads(2);
  std::mutex mutex;
  std::set<std::thread::id> ran_on;
  // Short-lived callers, as a sync's workers are: their calls still land on the two threads.
  for (int round = 0; round < 20; ++round) {
    std::vector<std::jthread> callers;
    callers.reserve(4);
    for (int i = 0; i < 4; ++i) {
      callers.emplace_back([&] {
        const std::thread::id here = threads.run([] { return std::this_thread::get_id(); });
        EXPECT_NE(here, std::this_thread::get_id());
        std::lock_guard lock(mutex);
        ran_on.insert(here);
      });
    }
  }
  EXPECT_GE(ran_on.size(), 1u);
  EXPECT_LE(ran_on.size(), 2u);
}

TEST(RegistryThreads, ReturnsResultsAndRethrowsWhatACallThrew) {
  RegistryThreads threads(1);
  EXPECT_EQ(threads.run([] { return 6 * 7; }), 42);
  int touched = 0;
  threads.run([&] { touched = 1; });
  EXPECT_EQ(touched, 1);
  EXPECT_THROW(threads.run([]() -> int { throw std::runtime_error("boom"); }), std::runtime_error);
  EXPECT_EQ(threads.run([] { return std::string("still serving"); }), "still serving");
}

}  // namespace
}  // namespace transfer
