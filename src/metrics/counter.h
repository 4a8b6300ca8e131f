// A Prometheus counter: a whole number that only goes up (requests, bytes). Adding to it is one
// relaxed atomic add on this thread's shard.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "metrics/shards.h"

namespace metrics {

class Counter {
 public:
  void add(std::uint64_t n) {
    shards_[detail::shard_index()].value.fetch_add(n, std::memory_order_relaxed);
  }
  void inc() { add(1); }
  std::uint64_t value() const;

 private:
  struct alignas(detail::kCacheLine) Shard {
    std::atomic<std::uint64_t> value{0};
  };
  std::array<Shard, detail::kShards> shards_;
};

}  // namespace metrics
