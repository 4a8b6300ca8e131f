#include "metadata/read_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace metadata {
namespace {

using namespace std::chrono_literals;

// A probe whose answer the test sets, counting how often it is asked.
struct FakeDatabase {
  std::uint64_t version = 1;
  int probes = 0;
  ReadCache::Probe probe() {
    return [this]() -> Result<std::uint64_t> {
      ++probes;
      return version;
    };
  }
};

// A load that counts its calls and finds `value` (nothing when empty).
struct CountingLoad {
  std::string value = "sha256:aaa";
  int calls = 0;
  auto operator()() {
    return [this]() -> Result<std::optional<std::string>> {
      ++calls;
      if (value.empty()) return std::nullopt;
      return value;
    };
  }
};

TEST(ReadCache, KeepsWhatWasFound) {
  FakeDatabase db;
  ReadCache cache({.max_staleness = 1h}, db.probe());
  CountingLoad load;
  EXPECT_EQ(cache.get<std::string>("t:a", load())->value(), "sha256:aaa");
  EXPECT_EQ(cache.get<std::string>("t:a", load())->value(), "sha256:aaa");
  EXPECT_EQ(load.calls, 1);
  EXPECT_EQ(cache.get<std::string>("t:b", load())->value(), "sha256:aaa");
  EXPECT_EQ(load.calls, 2);
}

TEST(ReadCache, AlwaysAsksAboutAbsence) {
  FakeDatabase db;
  ReadCache cache({.max_staleness = 1h}, db.probe());
  CountingLoad load{.value = ""};
  EXPECT_FALSE(cache.get<std::string>("t:a", load())->has_value());
  EXPECT_FALSE(cache.get<std::string>("t:a", load())->has_value());
  EXPECT_EQ(load.calls, 2);
}

TEST(ReadCache, PeekServesOnlyWhatIsKnownAndFresh) {
  FakeDatabase db;
  ReadCache cache({.max_staleness = 1h}, db.probe());
  CountingLoad load;
  EXPECT_FALSE(cache.peek<std::string>("t:a"));  // never checked, never loaded
  ASSERT_TRUE(cache.get<std::string>("t:a", load()));
  const int probes = db.probes;
  EXPECT_EQ(cache.peek<std::string>("t:a"), "sha256:aaa");
  EXPECT_FALSE(cache.peek<std::string>("t:b"));    // not loaded
  EXPECT_FALSE(cache.peek<std::uint64_t>("t:a"));  // another kind of answer
  EXPECT_EQ(db.probes, probes);                    // peeking never asks the database
  EXPECT_EQ(load.calls, 1);
  cache.invalidate();
  EXPECT_FALSE(cache.peek<std::string>("t:a"));
}

TEST(ReadCache, PeekWaitsForACheckOnceStale) {
  FakeDatabase db;
  ReadCache cache({.max_staleness = 0ms}, db.probe());
  CountingLoad load;
  ASSERT_TRUE(cache.get<std::string>("t:a", load()));
  // With no staleness allowed, only a read that asks the database first may answer.
  EXPECT_FALSE(cache.peek<std::string>("t:a"));
}

TEST(ReadCache, ForgetsEverythingOnInvalidate) {
  FakeDatabase db;
  ReadCache cache({.max_staleness = 1h}, db.probe());
  CountingLoad load;
  (void)cache.get<std::string>("t:a", load());
  cache.invalidate();
  load.value = "sha256:bbb";
  EXPECT_EQ(cache.get<std::string>("t:a", load())->value(), "sha256:bbb");
  EXPECT_EQ(load.calls, 2);
}

TEST(ReadCache, DoesNotKeepALoadThatAWriteOvertook) {
  FakeDatabase db;
  ReadCache cache({.max_staleness = 1h}, db.probe());
  int calls = 0;
  // The write commits (and invalidates) while the load holds what it read before it.
  auto overtaken = [&]() -> Result<std::optional<std::string>> {
    ++calls;
    cache.invalidate();
    return std::string("sha256:old");
  };
  EXPECT_EQ(cache.get<std::string>("t:a", overtaken)->value(), "sha256:old");
  CountingLoad load{.value = "sha256:new"};
  EXPECT_EQ(cache.get<std::string>("t:a", load())->value(), "sha256:new");
}

TEST(ReadCache, ProbesAtMostOncePerStalenessBound) {
  FakeDatabase db;
  ReadCache cache({.max_staleness = 1h}, db.probe());
  CountingLoad load;
  for (int i = 0; i < 10; ++i) (void)cache.get<std::string>("t:a", load());
  EXPECT_EQ(db.probes, 1);
  db.version = 2;  // another process wrote: within the hour it may go unnoticed
  EXPECT_EQ(cache.get<std::string>("t:a", load())->value(), "sha256:aaa");
  EXPECT_EQ(load.calls, 1);
}

TEST(ReadCache, DropsEverythingWhenTheDatabaseChanged) {
  FakeDatabase db;
  ReadCache cache({.max_staleness = 0ms}, db.probe());
  CountingLoad load;
  (void)cache.get<std::string>("t:a", load());
  (void)cache.get<std::string>("t:a", load());
  EXPECT_EQ(load.calls, 1) << "an unchanged database keeps the answers";
  db.version = 2;
  load.value = "sha256:bbb";
  EXPECT_EQ(cache.get<std::string>("t:a", load())->value(), "sha256:bbb");
  EXPECT_EQ(load.calls, 2);
  EXPECT_EQ(db.probes, 3);
}

TEST(ReadCache, NoticesAChangeOnceTheBoundHasPassed) {
  FakeDatabase db;
  ReadCache cache({.max_staleness = 20ms}, db.probe());
  CountingLoad load;
  (void)cache.get<std::string>("t:a", load());
  db.version = 2;
  load.value = "sha256:bbb";
  std::this_thread::sleep_for(25ms);
  EXPECT_EQ(cache.get<std::string>("t:a", load())->value(), "sha256:bbb");
}

TEST(ReadCache, AFailedProbeServesNothingCached) {
  bool failing = false;
  ReadCache cache({.max_staleness = 0ms}, [&]() -> Result<std::uint64_t> {
    if (failing) return oci::fail(oci::ErrorCode::kInternal, "database is locked");
    return 1;
  });
  CountingLoad load;
  (void)cache.get<std::string>("t:a", load());
  failing = true;
  (void)cache.get<std::string>("t:a", load());
  EXPECT_EQ(load.calls, 2);
}

TEST(ReadCache, StartsOverWhenFull) {
  FakeDatabase db;
  // Room for a few entries of about 200 bytes, each under a quarter of the budget.
  ReadCache cache({.max_staleness = 1h, .max_bytes = 1000}, db.probe());
  CountingLoad load;
  for (int i = 0; i < 20; ++i) (void)cache.get<std::string>("t:" + std::to_string(i), load());
  EXPECT_EQ(load.calls, 20);
  (void)cache.get<std::string>("t:19", load());
  EXPECT_EQ(load.calls, 20) << "the latest answer survives starting over";
  (void)cache.get<std::string>("t:0", load());
  EXPECT_EQ(load.calls, 21) << "the oldest is gone";
}

TEST(ReadCache, SizeZeroCachesNothingAndNeverProbes) {
  FakeDatabase db;
  ReadCache cache({.max_staleness = 1h, .max_bytes = 0}, db.probe());
  CountingLoad load;
  (void)cache.get<std::string>("t:a", load());
  (void)cache.get<std::string>("t:a", load());
  EXPECT_EQ(load.calls, 2);
  EXPECT_EQ(db.probes, 0);
}

}  // namespace
}  // namespace metadata
