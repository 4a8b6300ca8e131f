#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace server {
namespace {

// How many full buckets one call looks at for forgetting: a constant cost per request, and
// still more than a request adds.
constexpr int kForgetPerCall = 2;

// The longest Retry-After, in seconds: a day.
constexpr double kLongestWait = 86400;

}  // namespace

RateLimiter::RateLimiter(double rate, double burst, std::size_t max_keys)
    : rate_(rate),
      burst_(std::max(burst, 1.0)),
      keys_per_shard_(std::max<std::size_t>(1, max_keys / kShards)) {}

RateLimiter::Decision RateLimiter::take(std::string_view key, Clock::time_point now) {
  return decide(key, now, true);
}

RateLimiter::Decision RateLimiter::peek(std::string_view key, Clock::time_point now) {
  return decide(key, now, false);
}

std::size_t RateLimiter::tracked_keys() {
  std::size_t keys = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    keys += shard.buckets.size();
  }
  return keys;
}

RateLimiter::Decision RateLimiter::decide(std::string_view key, Clock::time_point now, bool spend) {
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard lock(shard.mutex);
  forget_full(shard, now);
  auto found = shard.buckets.find(key);
  if (found == shard.buckets.end()) {  // a full bucket
    if (!spend) return {};
    if (shard.buckets.size() >= keys_per_shard_) {
      shard.buckets.erase(shard.recent.back().key);
      shard.recent.pop_back();
    }
    shard.recent.push_front(Bucket{std::string(key), burst_ - 1, now});
    shard.buckets.emplace(shard.recent.front().key, shard.recent.begin());
    return {};
  }
  const auto it = found->second;
  shard.recent.splice(shard.recent.begin(), shard.recent, it);
  const double tokens = refilled(*it, now);
  if (tokens < 1) return refusal(tokens);
  if (spend) {
    it->tokens = tokens - 1;
    it->updated = now;
  }
  return {};
}

double RateLimiter::refilled(const Bucket& bucket, Clock::time_point now) const {
  const std::chrono::duration<double> elapsed = std::max(now - bucket.updated, Clock::duration{0});
  return std::min(burst_, bucket.tokens + elapsed.count() * rate_);
}

RateLimiter::Decision RateLimiter::refusal(double tokens) const {
  double wait = std::ceil((1 - tokens) / rate_);
  if (!(wait <= kLongestWait)) wait = kLongestWait;  // a rate near 0 (or not a number)
  return {false, std::chrono::seconds(std::max<long long>(1, static_cast<long long>(wait)))};
}

// The least recently used buckets are the likeliest to have filled up again.
void RateLimiter::forget_full(Shard& shard, Clock::time_point now) {
  for (int i = 0; i < kForgetPerCall && !shard.recent.empty(); ++i) {
    const Bucket& oldest = shard.recent.back();
    if (refilled(oldest, now) < burst_) return;
    shard.buckets.erase(oldest.key);
    shard.recent.pop_back();
  }
}

}  // namespace server
