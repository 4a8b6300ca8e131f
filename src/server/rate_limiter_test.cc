#include "server/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const RateLimiter::Clock::time_point t0{seconds(1000)};

TEST(RateLimiter, AllowsABurstThenRefuses) {
  RateLimiter limiter(1, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.take("a", t0).allowed) << i;
  const auto refused = limiter.take("a", t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(1));
}

TEST(RateLimiter, RefillsAtTheRate) {
  RateLimiter limiter(2, 1);  // one request every 500 ms
  EXPECT_TRUE(limiter.take("a", t0).allowed);
  EXPECT_FALSE(limiter.take("a", t0 + milliseconds(400)).allowed);
  EXPECT_TRUE(limiter.take("a", t0 + milliseconds(500)).allowed);
  EXPECT_FALSE(limiter.take("a", t0 + milliseconds(900)).allowed);
  EXPECT_TRUE(limiter.take("a", t0 + milliseconds(1000)).allowed);
}

TEST(RateLimiter, RefillStopsAtTheBurst) {
  RateLimiter limiter(10, 5);
  EXPECT_TRUE(limiter.take("a", t0).allowed);
  const auto later = t0 + seconds(3600);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.take("a", later).allowed) << i;
  EXPECT_FALSE(limiter.take("a", later).allowed);
}

TEST(RateLimiter, RetryAfterIsTheWaitRoundedUp) {
  RateLimiter limiter(0.1, 1);  // one request every 10 s
  EXPECT_TRUE(limiter.take("a", t0).allowed);
  EXPECT_EQ(limiter.take("a", t0).retry_after, seconds(10));
  EXPECT_EQ(limiter.take("a", t0 + milliseconds(3500)).retry_after, seconds(7));
  // A refused request spends nothing: the wait only shrinks.
  EXPECT_EQ(limiter.take("a", t0 + seconds(9)).retry_after, seconds(1));
  EXPECT_TRUE(limiter.take("a", t0 + seconds(10)).allowed);
  // Never "retry after 0" while refusing, however close the next token is.
  RateLimiter fast(1000, 1);
  EXPECT_TRUE(fast.take("a", t0).allowed);
  EXPECT_EQ(fast.take("a", t0).retry_after, seconds(1));
  // ...nor a wait longer than a day.
  RateLimiter slow(1e-300, 1);
  EXPECT_TRUE(slow.take("a", t0).allowed);
  EXPECT_EQ(slow.take("a", t0).retry_after, std::chrono::hours(24));
}

TEST(RateLimiter, KeysHaveTheirOwnBuckets) {
  RateLimiter limiter(1, 1);
  EXPECT_TRUE(limiter.take("10.0.0.1", t0).allowed);
  EXPECT_FALSE(limiter.take("10.0.0.1", t0).allowed);
  EXPECT_TRUE(limiter.take("10.0.0.2", t0).allowed);
  EXPECT_TRUE(limiter.take("alice@10.0.0.1", t0).allowed);
}

TEST(RateLimiter, PeekSpendsNothing) {
  RateLimiter limiter(1, 2);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.peek("a", t0).allowed);
  EXPECT_EQ(limiter.tracked_keys(), 0u);
  EXPECT_TRUE(limiter.take("a", t0).allowed);
  EXPECT_TRUE(limiter.peek("a", t0).allowed);
  EXPECT_TRUE(limiter.take("a", t0).allowed);
  const auto refused = limiter.peek("a", t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(1));
  EXPECT_FALSE(limiter.take("a", t0).allowed);
}

TEST(RateLimiter, AClockGoingBackRefillsNothing) {
  RateLimiter limiter(1, 1);
  EXPECT_TRUE(limiter.take("a", t0).allowed);
  EXPECT_FALSE(limiter.take("a", t0 - seconds(30)).allowed);
  EXPECT_TRUE(limiter.take("a", t0 + seconds(1)).allowed);
}

TEST(RateLimiter, ForgetsBucketsThatFilledUp) {
  RateLimiter limiter(1, 1);  // full again 1 s after a request
  for (int i = 0; i < 1000; ++i) limiter.take("old-" + std::to_string(i), t0);
  EXPECT_EQ(limiter.tracked_keys(), 1000u);
  for (int i = 0; i < 1000; ++i) limiter.take("new-" + std::to_string(i), t0 + seconds(2));
  EXPECT_EQ(limiter.tracked_keys(), 1000u);  // the new ones only
}

TEST(RateLimiter, TracksAtMostMaxKeys) {
  RateLimiter limiter(1, 10, 160);
  for (int i = 0; i < 100'000; ++i) limiter.take("key-" + std::to_string(i), t0);
  EXPECT_LE(limiter.tracked_keys(), 160u);
  EXPECT_GE(limiter.tracked_keys(), 100u);
  // A key pushed out starts over with a full bucket: the lenient side.
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.take("key-0", t0).allowed) << i;
  EXPECT_FALSE(limiter.take("key-0", t0).allowed);
}

}  // namespace
}  // namespace server
