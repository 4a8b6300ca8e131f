#include "mirror/upstream_health.h"

namespace mirror {

void UpstreamHealth::fetched(std::uint64_t bytes) {
  ++fetches_;
  fetched_bytes_ += bytes;
}

void UpstreamHealth::answered() {
  std::lock_guard lock(mutex_);
  reachable_ = true;
  failed_at_.reset();
}

void UpstreamHealth::failed(const std::string& error) {
  std::lock_guard lock(mutex_);
  reachable_ = false;
  last_error_ = error;
  last_error_at_ = std::chrono::system_clock::now();
  failed_at_ = std::chrono::steady_clock::now();
}

bool UpstreamHealth::recently_failed(std::chrono::steady_clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return failed_at_ && now - *failed_at_ < kFailureHold;
}

HealthSnapshot UpstreamHealth::snapshot() const {
  HealthSnapshot snapshot;
  snapshot.hits = hits_;
  snapshot.misses = misses_;
  snapshot.fetches = fetches_;
  snapshot.fetched_bytes = fetched_bytes_;
  snapshot.stale = stale_;
  std::lock_guard lock(mutex_);
  snapshot.reachable = reachable_;
  snapshot.last_error = last_error_;
  snapshot.last_error_at = last_error_at_;
  return snapshot;
}

}  // namespace mirror
