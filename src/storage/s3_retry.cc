#include "storage/s3_retry.h"

#include <algorithm>

namespace storage {

bool is_retryable(long status, std::string_view error_code) {
  if (status == 500 || status == 502 || status == 503 || status == 504) return true;
  return error_code == "SlowDown" || error_code == "RequestTimeout" ||
         error_code == "InternalError";
}

std::chrono::milliseconds backoff(const RetryPolicy& policy, int attempt, std::mt19937_64& random) {
  const int doublings = std::clamp(attempt - 1, 0, 20);
  const auto ceiling = std::min(policy.first_delay.count() << doublings, policy.max_delay.count());
  const auto half = ceiling / 2;
  std::uniform_int_distribution<long> jitter(0, half);
  return std::chrono::milliseconds(ceiling - half + jitter(random));
}

}  // namespace storage
