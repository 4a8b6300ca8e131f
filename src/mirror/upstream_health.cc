#include "mirror/upstream_health.h"

#include "metrics/registry.h"

namespace mirror {
namespace {

metrics::Family<metrics::Counter>& upstream_requests() {
  return metrics::default_registry().counter(
      "regmirror_mirror_upstream_fetches_total",
      "Requests to an upstream (manifests, tag revalidations, blobs, tag lists, referrers), by "
      "result: ok, not_found or error.",
      {"upstream", "result"});
}

metrics::Counter& per_upstream(std::string_view name, std::string_view help,
                               std::string_view label) {
  return metrics::default_registry().counter(name, help, {"upstream"}).with({label});
}

}  // namespace

UpstreamHealth::UpstreamHealth(std::string_view label)
    : hits_metric_(per_upstream("regmirror_mirror_cache_hits_total",
                                "Pull-through requests answered from the cache.", label)),
      misses_metric_(per_upstream("regmirror_mirror_cache_misses_total",
                                  "Pull-through requests that needed the upstream.", label)),
      bytes_metric_(per_upstream("regmirror_mirror_upstream_bytes_total",
                                 "Blob bytes fetched from an upstream and stored.", label)),
      requests_ok_(upstream_requests().with({label, "ok"})),
      requests_not_found_(upstream_requests().with({label, "not_found"})),
      requests_failed_(upstream_requests().with({label, "error"})) {}

void UpstreamHealth::fetched(std::uint64_t bytes) {
  ++fetches_;
  fetched_bytes_ += bytes;
  bytes_metric_.add(bytes);
}

void UpstreamHealth::answered() {
  requests_ok_.inc();
  std::lock_guard lock(mutex_);
  reachable_ = true;
  failed_at_.reset();
}

void UpstreamHealth::answered_not_found() {
  requests_not_found_.inc();
  std::lock_guard lock(mutex_);
  reachable_ = true;
  failed_at_.reset();
}

void UpstreamHealth::failed(const std::string& error) {
  requests_failed_.inc();
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
