#include "metrics/histogram.h"

#include <algorithm>

namespace metrics {

Histogram::Histogram(std::span<const double> bounds)
    : bounds_count_(std::min(bounds.size(), kMaxBounds)) {
  std::copy_n(bounds.begin(), bounds_count_, bounds_.begin());
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot snapshot;
  snapshot.cumulative.assign(bounds_count_ + 1, 0);
  for (const Shard& shard : shards_) {
    for (std::size_t i = 0; i <= bounds_count_; ++i) {
      snapshot.cumulative[i] += shard.counts[i].load(std::memory_order_relaxed);
    }
    snapshot.sum += shard.sum.load(std::memory_order_relaxed);
  }
  for (std::size_t i = 1; i < snapshot.cumulative.size(); ++i) {
    snapshot.cumulative[i] += snapshot.cumulative[i - 1];
  }
  return snapshot;
}

}  // namespace metrics
