// When a webhook that failed is tried again: 1 s after the first failure, doubling up to
// 5 minutes, each delay shortened by up to a fifth at random so that endpoints failing
// together do not retry in lockstep.
#pragma once

#include <chrono>
#include <cstdint>

namespace events {

struct Backoff {
  std::chrono::milliseconds first{1000};
  std::chrono::milliseconds last{300'000};
};

// The delay after `failures` failed attempts in a row (1 for the first); `jitter` in [0, 1).
std::chrono::milliseconds retry_delay(const Backoff& backoff, std::int64_t failures, double jitter);

}  // namespace events
