#include "storage/s3_retry.h"

#include <gtest/gtest.h>

#include <set>

namespace storage {
namespace {

TEST(S3Retry, RetryableAnswers) {
  for (long status : {500, 502, 503, 504}) EXPECT_TRUE(is_retryable(status, "")) << status;
  EXPECT_TRUE(is_retryable(503, "SlowDown"));
  EXPECT_TRUE(is_retryable(400, "RequestTimeout"));
  for (long status : {400, 403, 404, 409, 412, 416, 501}) {
    EXPECT_FALSE(is_retryable(status, "AccessDenied")) << status;
  }
}

TEST(S3Retry, BackoffGrowsWithJitterUpToTheCap) {
  const RetryPolicy policy{10, std::chrono::milliseconds(100), std::chrono::milliseconds(1000),
                           std::chrono::milliseconds(60000)};
  std::mt19937_64 random(7);
  bool varied = false;
  for (int attempt = 1; attempt <= 8; ++attempt) {
    const long ceiling = std::min(100L << (attempt - 1), 1000L);
    std::set<long> seen;
    for (int i = 0; i < 50; ++i) {
      const auto delay = backoff(policy, attempt, random).count();
      EXPECT_GE(delay, ceiling / 2) << attempt;
      EXPECT_LE(delay, ceiling) << attempt;
      seen.insert(delay);
    }
    varied = varied || seen.size() > 1;
  }
  EXPECT_TRUE(varied);
}

}  // namespace
}  // namespace storage
