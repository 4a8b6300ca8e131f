// A token bucket per key (a client address, a user at an address...), safe to share between
// threads. Each key may spend `burst` requests at once and gets `rate` back per second.
//
// Memory stays bounded whatever keys a client makes up: a bucket that has filled up again is
// the same as no bucket and is forgotten, and past `max_keys` the least recently used key is
// dropped (it starts over with a full bucket, the lenient side). Keys are spread over shards,
// each with its own lock, so threads serving different clients seldom wait for each other.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Decision {
    bool allowed = true;
    std::chrono::seconds retry_after{0};  // when refused: how long until a request would pass
  };

  // `rate` > 0 per second, `burst` >= 1.
  RateLimiter(double rate, double burst, std::size_t max_keys = 65536);

  // Spends one request of `key`'s bucket if it has one.
  Decision take(std::string_view key, Clock::time_point now);
  // Whether take() would allow a request now, spending nothing.
  Decision peek(std::string_view key, Clock::time_point now);

  // Keys held now (buckets not full): for tests and diagnostics.
  std::size_t tracked_keys();

 private:
  struct Bucket {
    std::string key;
    double tokens;
    Clock::time_point updated;
  };
  // Most recently used first. The map's keys view the strings in the list's nodes.
  struct Shard {
    std::mutex mutex;
    std::list<Bucket> recent;
    std::unordered_map<std::string_view, std::list<Bucket>::iterator> buckets;
  };
  static constexpr std::size_t kShards = 16;

  Decision decide(std::string_view key, Clock::time_point now, bool spend);
  double refilled(const Bucket& bucket, Clock::time_point now) const;
  Decision refusal(double tokens) const;
  void forget_full(Shard& shard, Clock::time_point now);

  const double rate_;
  const double burst_;
  const std::size_t keys_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace server
