#include "mirror/cluster_lease.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

namespace mirror {
namespace {

using namespace std::chrono_literals;

// A lease table as the database keeps it, on a clock the test moves.
class FakeLeases {
 public:
  LeaseCalls calls() {
    return {.acquire = [this](std::string_view name, std::string_view holder,
                              std::chrono::milliseconds ttl) -> oci::Result<bool> {
              std::lock_guard lock(mutex_);
              ++acquires;
              auto& row = rows_[std::string(name)];
              if (!row.holder.empty() && row.holder != holder && row.expires > now) return false;
              row = {std::string(holder), now + ttl};
              return true;
            },
            .release = [this](std::string_view name, std::string_view holder) -> oci::Result<void> {
              std::lock_guard lock(mutex_);
              if (auto it = rows_.find(std::string(name));
                  it != rows_.end() && it->second.holder == holder) {
                rows_.erase(it);
              }
              return {};
            }};
  }
  std::string holder_of(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = rows_.find(name);
    return it == rows_.end() ? "" : it->second.holder;
  }

  std::chrono::milliseconds now{0};
  int acquires = 0;

 private:
  struct Row {
    std::string holder;
    std::chrono::milliseconds expires{0};
  };
  std::mutex mutex_;
  std::map<std::string, Row> rows_;
};

constexpr LeaseTiming kQuick{.ttl = 1000ms, .renew_every = 0ms, .poll_every = 1ms};

TEST(ClusterLease, AFreeLeaseIsHeldAndGivenBackWhenDone) {
  FakeLeases table;
  const LeaseContext a{table.calls(), "a", kQuick};
  {
    ClusterLease lease(a, "blob-fetch/x");
    auto taken = lease.take([] { return oci::Result<bool>(false); }, [] { return true; });
    ASSERT_TRUE(taken);
    EXPECT_EQ(*taken, ClusterLease::Outcome::kHeld);
    EXPECT_EQ(table.holder_of("blob-fetch/x"), "a");
  }
  EXPECT_EQ(table.holder_of("blob-fetch/x"), "");
}

TEST(ClusterLease, AWaiterEndsWhenTheHolderStoredTheBlob) {
  FakeLeases table;
  const LeaseContext a{table.calls(), "a", kQuick};
  const LeaseContext b{table.calls(), "b", kQuick};
  ClusterLease held(a, "blob-fetch/x");
  ASSERT_EQ(*held.take([] { return oci::Result<bool>(false); }, [] { return true; }),
            ClusterLease::Outcome::kHeld);

  ClusterLease waiting(b, "blob-fetch/x");
  int looks = 0;
  auto taken = waiting.take([&] { return oci::Result<bool>(++looks == 3); }, [] { return true; });
  ASSERT_TRUE(taken);
  EXPECT_EQ(*taken, ClusterLease::Outcome::kDoneElsewhere);
  EXPECT_EQ(looks, 3);
  EXPECT_EQ(table.holder_of("blob-fetch/x"), "a") << "a waiter never takes a live lease";
}

TEST(ClusterLease, AWaiterTakesOverALapsedLease) {
  FakeLeases table;
  const LeaseContext a{table.calls(), "a", kQuick};
  const LeaseContext b{table.calls(), "b", kQuick};
  auto dead = std::make_unique<ClusterLease>(a, "blob-fetch/x");
  ASSERT_EQ(*dead->take([] { return oci::Result<bool>(false); }, [] { return true; }),
            ClusterLease::Outcome::kHeld);

  ClusterLease waiting(b, "blob-fetch/x");
  int looks = 0;
  auto taken = waiting.take(
      [&] {
        if (++looks == 5) table.now += 2000ms;  // the holder stopped renewing: its lease lapses
        return oci::Result<bool>(false);
      },
      [] { return true; });
  ASSERT_TRUE(taken);
  EXPECT_EQ(*taken, ClusterLease::Outcome::kHeld);
  EXPECT_EQ(table.holder_of("blob-fetch/x"), "b");
  // The old holder's renewal now fails, and its release leaves b's lease alone.
  auto kept = dead->keep();
  ASSERT_TRUE(kept);
  EXPECT_FALSE(*kept);
  dead.reset();
  EXPECT_EQ(table.holder_of("blob-fetch/x"), "b");
}

TEST(ClusterLease, StoppingEndsTheWait) {
  FakeLeases table;
  const LeaseContext a{table.calls(), "a", kQuick};
  const LeaseContext b{table.calls(), "b", kQuick};
  ClusterLease held(a, "blob-fetch/x");
  ASSERT_TRUE(held.take([] { return oci::Result<bool>(false); }, [] { return true; }));
  ClusterLease waiting(b, "blob-fetch/x");
  auto taken = waiting.take([] { return oci::Result<bool>(false); }, [] { return false; });
  ASSERT_TRUE(taken);
  EXPECT_EQ(*taken, ClusterLease::Outcome::kStopped);
}

TEST(ClusterLease, RenewalsAreSpacedOut) {
  FakeLeases table;
  const LeaseContext a{table.calls(), "a", {.ttl = 1000ms, .renew_every = 1h, .poll_every = 1ms}};
  ClusterLease lease(a, "blob-fetch/x");
  ASSERT_TRUE(lease.take([] { return oci::Result<bool>(false); }, [] { return true; }));
  const int before = table.acquires;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(*lease.keep());
  EXPECT_EQ(table.acquires, before) << "a renewal per written piece would load the database";
}

TEST(ClusterLease, HolderNamesDiffer) { EXPECT_NE(new_lease_holder(), new_lease_holder()); }

}  // namespace
}  // namespace mirror
