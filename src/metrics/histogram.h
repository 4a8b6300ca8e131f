// A Prometheus histogram: how many observations fell at or below each upper bound, their sum
// and count. An observation is a scan of the bounds and two relaxed atomic adds on this
// thread's shard; the buckets are made cumulative only when read.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "metrics/shards.h"

namespace metrics {

// Upper bounds of a request's duration in seconds, from a cached manifest HEAD (tens of
// microseconds) to a large blob (minutes).
inline constexpr std::array<double, 16> kDurationBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   10,   60};

struct HistogramSnapshot {
  std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (= count)
  double sum = 0;
  std::uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
};

class Histogram {
 public:
  static constexpr std::size_t kMaxBounds = 24;

  // `bounds`: ascending, finite, at most kMaxBounds (checked by the Registry that makes it).
  explicit Histogram(std::span<const double> bounds);

  void observe(double value) {
    std::size_t bucket = 0;
    while (bucket < bounds_count_ && value > bounds_[bucket]) ++bucket;
    Shard& shard = shards_[detail::shard_index()];
    shard.counts[bucket].fetch_add(1, std::memory_order_relaxed);
    shard.sum.fetch_add(value, std::memory_order_relaxed);
  }

  std::span<const double> bounds() const { return {bounds_.data(), bounds_count_}; }
  HistogramSnapshot snapshot() const;

 private:
  struct alignas(detail::kCacheLine) Shard {
    std::array<std::atomic<std::uint64_t>, kMaxBounds + 1> counts{};
    std::atomic<double> sum{0};
  };
  std::array<double, kMaxBounds> bounds_{};
  std::size_t bounds_count_ = 0;
  std::array<Shard, detail::kShards> shards_;
};

}  // namespace metrics
