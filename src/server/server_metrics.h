// What `serve` exposes at GET /metrics besides what other modules register: the HTTP front's
// metrics, uploads in progress, the storage's blobs and bytes, build and process information.
// Registered in metrics::default_registry() while a ServerMetrics lives.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "metadata/store.h"
#include "metrics/registry.h"
#include "oci/error.h"
#include "server/http_metrics.h"

namespace server {

// A store query made at most once per `max_age`, however often it is scraped: the last answer
// is kept (and kept through a failed query, which is retried at the next scrape).
class CachedBlobTotals {
 public:
  using Query = std::function<oci::Result<metadata::BlobTotals>()>;
  using Clock = std::chrono::steady_clock;
  CachedBlobTotals(Query query, std::chrono::milliseconds max_age);

  // Nothing until a query has succeeded once.
  std::optional<metadata::BlobTotals> get(Clock::time_point now = Clock::now());

 private:
  Query query_;
  std::chrono::milliseconds max_age_;
  std::mutex mutex_;
  std::optional<metadata::BlobTotals> last_;
  std::optional<Clock::time_point> asked_at_;
};

class ServerMetrics {
 public:
  // `blob_totals` queries the store; `uploads_in_progress` counts upload bodies being received.
  ServerMetrics(metrics::Registry& registry, CachedBlobTotals::Query blob_totals,
                std::function<std::size_t()> uploads_in_progress);
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  HttpMetrics& http() { return http_; }

 private:
  HttpMetrics http_;
  CachedBlobTotals blob_totals_;
  std::vector<metrics::Registration> registrations_;
};

// How long a scrape's storage figures are reused.
inline constexpr std::chrono::seconds kStorageMetricsMaxAge{5};

}  // namespace server
