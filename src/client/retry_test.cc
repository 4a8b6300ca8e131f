#include "client/retry.h"

#include <gtest/gtest.h>

namespace client {
namespace {

using namespace std::chrono_literals;

TEST(RetryableStatus, Classification) {
  for (long status : {429L, 502L, 503L, 504L}) {
    EXPECT_TRUE(is_retryable_status(status, false)) << status;
    EXPECT_TRUE(is_retryable_status(status, true)) << status;
  }
  EXPECT_TRUE(is_retryable_status(500, true));
  EXPECT_FALSE(is_retryable_status(500, false));
  for (long status : {200L, 201L, 400L, 401L, 403L, 404L, 416L, 501L}) {
    EXPECT_FALSE(is_retryable_status(status, true)) << status;
  }
}

TEST(RetryAfter, Seconds) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(parse_retry_after("120", now), 120s);
  EXPECT_EQ(parse_retry_after(" 0 ", now), 0s);
  EXPECT_EQ(parse_retry_after("99999999999999999999999", now), std::chrono::hours(24 * 365));
}

TEST(RetryAfter, HttpDate) {
  // Sun, 06 Nov 1994 08:49:37 GMT, in the three formats RFC 9110 allows.
  const auto date = std::chrono::system_clock::from_time_t(784111777);
  const auto now = date - 30s;
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 30s);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), 30s);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), 30s);
  // A date in the past means now.
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", date + 1h), 0ms);
}

TEST(RetryAfter, Garbage) {
  const auto now = std::chrono::system_clock::now();
  for (const char* value : {"", "soon", "-5", "1.5", "12abc", "Sun, 99 Foo 1994 xx:yy GMT"}) {
    EXPECT_EQ(parse_retry_after(value, now), std::nullopt) << value;
  }
}

TEST(RetryDelay, DoublesUpToTheCap) {
  const RetryPolicy policy{5, 200ms, 1000ms};
  EXPECT_EQ(retry_delay(policy, 1, std::nullopt), 200ms);
  EXPECT_EQ(retry_delay(policy, 2, std::nullopt), 400ms);
  EXPECT_EQ(retry_delay(policy, 3, std::nullopt), 800ms);
  EXPECT_EQ(retry_delay(policy, 4, std::nullopt), 1000ms);
  EXPECT_EQ(retry_delay(policy, 40, std::nullopt), 1000ms);
}

TEST(RetryDelay, RetryAfterWinsButIsCapped) {
  const RetryPolicy policy{5, 200ms, 10'000ms};
  EXPECT_EQ(retry_delay(policy, 3, 2s), 2s);
  EXPECT_EQ(retry_delay(policy, 1, 0ms), 0ms);
  EXPECT_EQ(retry_delay(policy, 1, 3600s), 10s);
}

}  // namespace
}  // namespace client
