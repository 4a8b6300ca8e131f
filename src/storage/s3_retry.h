// When an S3 request is tried again, and after how long.
#pragma once

#include <chrono>
#include <random>
#include <string_view>

#include "storage/s3_options.h"

namespace storage {

// 500, 502, 503, 504, and the codes S3 uses to ask for a slower pace or a new attempt
// (SlowDown, RequestTimeout, InternalError) whatever their status.
bool is_retryable(long status, std::string_view error_code);

// The pause before attempt `attempt` + 1 (attempt counts from 1): exponential from
// first_delay, capped at max_delay, half of it random ("equal jitter") so that clients that
// failed together do not retry together.
std::chrono::milliseconds backoff(const RetryPolicy& policy, int attempt, std::mt19937_64& random);

}  // namespace storage
