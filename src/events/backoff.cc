#include "events/backoff.h"

#include <algorithm>

namespace events {

std::chrono::milliseconds retry_delay(const Backoff& backoff, std::int64_t failures,
                                      double jitter) {
  std::chrono::milliseconds delay = backoff.first;
  for (std::int64_t i = 1; i < failures && delay < backoff.last; ++i) delay *= 2;
  delay = std::min(delay, backoff.last);
  const auto shortened = static_cast<std::int64_t>(static_cast<double>(delay.count()) * 0.2 *
                                                   std::clamp(jitter, 0.0, 1.0));
  return delay - std::chrono::milliseconds(shortened);
}

}  // namespace events
