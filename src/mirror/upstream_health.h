// What one upstream has done lately: whether it answered, its last error, and the cache's
// hits, misses and fetches for it. Read by the status endpoint; the "recently failed" answer
// spares requests for cached tags the retries of an upstream that is down.
// The same events are counted in the process's metrics, labelled with the upstream.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "metrics/counter.h"

namespace mirror {

struct HealthSnapshot {
  std::optional<bool> reachable;  // nullopt until the first request to it
  std::string last_error;
  std::optional<std::chrono::system_clock::time_point> last_error_at;
  std::uint64_t hits = 0;           // answered from the cache
  std::uint64_t misses = 0;         // needed the upstream
  std::uint64_t fetches = 0;        // manifests and blobs fetched and stored
  std::uint64_t fetched_bytes = 0;  // blob bytes fetched and stored
  std::uint64_t stale = 0;          // cached tags served because the upstream failed
};

class UpstreamHealth {
 public:
  // How long after a failure cached tags are served without asking again.
  static constexpr std::chrono::seconds kFailureHold{10};

  // `label`: the upstream's value of the metrics' `upstream` label.
  explicit UpstreamHealth(std::string_view label);

  void hit() {
    ++hits_;
    hits_metric_.inc();
  }
  void miss() {
    ++misses_;
    misses_metric_.inc();
  }
  void stale() { ++stale_; }
  void fetched(std::uint64_t bytes);
  // A request to the upstream answered: with what was asked for, or with "no such thing".
  void answered();
  void answered_not_found();
  void failed(const std::string& error);
  // It failed less than kFailureHold ago and has not answered since.
  bool recently_failed(
      std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) const;

  HealthSnapshot snapshot() const;

 private:
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> fetches_{0};
  std::atomic<std::uint64_t> fetched_bytes_{0};
  std::atomic<std::uint64_t> stale_{0};
  mutable std::mutex mutex_;
  std::optional<bool> reachable_;
  std::string last_error_;
  std::optional<std::chrono::system_clock::time_point> last_error_at_;
  std::optional<std::chrono::steady_clock::time_point> failed_at_;
  metrics::Counter& hits_metric_;
  metrics::Counter& misses_metric_;
  metrics::Counter& bytes_metric_;
  metrics::Counter& requests_ok_;
  metrics::Counter& requests_not_found_;
  metrics::Counter& requests_failed_;
};

}  // namespace mirror
