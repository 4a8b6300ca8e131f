// A Prometheus gauge that is set now and then (a timestamp, build information): one atomic,
// not sharded, since it is not meant for the hot path. Values that change per request are
// better counted (two counters, or a callback at scrape time).
#pragma once

#include <atomic>

namespace metrics {

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

}  // namespace metrics
