// Which answers are worth another try, and how long to wait before it.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "client/registry_client.h"

namespace client {

// 429, 502, 503 and 504 always; 500 only for idempotent requests (GET, HEAD, PUT, DELETE),
// since a POST that failed with 500 may have done its work.
bool is_retryable_status(long status, bool idempotent);

// Retry-After as delay-seconds or an HTTP-date (any of RFC 9110's three formats), as a wait
// from `now` (zero when the date has passed); nullopt when it is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// The wait after `failures` (>= 1) failed tries: the server's Retry-After when it sent one,
// else initial_backoff doubled for every failure after the first; max_backoff caps both.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int failures,
                                      std::optional<std::chrono::milliseconds> retry_after);

}  // namespace client
