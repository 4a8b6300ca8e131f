#include "events/backoff.h"

#include <gtest/gtest.h>

namespace events {
namespace {

using std::chrono::milliseconds;

TEST(RetryDelay, StartsAtOneSecondAndDoubles) {
  const Backoff backoff;
  EXPECT_EQ(retry_delay(backoff, 1, 0.0), milliseconds(1000));
  EXPECT_EQ(retry_delay(backoff, 2, 0.0), milliseconds(2000));
  EXPECT_EQ(retry_delay(backoff, 3, 0.0), milliseconds(4000));
  EXPECT_EQ(retry_delay(backoff, 9, 0.0), milliseconds(256'000));
}

TEST(RetryDelay, StopsGrowingAtFiveMinutes) {
  const Backoff backoff;
  EXPECT_EQ(retry_delay(backoff, 10, 0.0), milliseconds(300'000));
  EXPECT_EQ(retry_delay(backoff, 1000, 0.0), milliseconds(300'000));
}

TEST(RetryDelay, JitterShortensByAtMostAFifth) {
  const Backoff backoff;
  EXPECT_EQ(retry_delay(backoff, 1, 0.5), milliseconds(900));
  EXPECT_EQ(retry_delay(backoff, 3, 0.999), milliseconds(3201));
  EXPECT_EQ(retry_delay(backoff, 20, 1.0), milliseconds(240'000));
}

}  // namespace
}  // namespace events
