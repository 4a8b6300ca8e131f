#include "server/server_metrics.h"

#include <limits>

#include "metrics/process.h"

namespace server {

CachedBlobTotals::CachedBlobTotals(Query query, std::chrono::milliseconds max_age)
    : query_(std::move(query)), max_age_(max_age) {}

std::optional<metadata::BlobTotals> CachedBlobTotals::get(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!asked_at_ || now - *asked_at_ >= max_age_ || !last_) {
    asked_at_ = now;
    if (auto totals = query_()) last_ = *totals;
  }
  return last_;
}

ServerMetrics::ServerMetrics(metrics::Registry& registry, CachedBlobTotals::Query blob_totals,
                             std::function<std::size_t()> uploads_in_progress)
    : http_(registry), blob_totals_(std::move(blob_totals), kStorageMetricsMaxAge) {
  registry.gauge("regmirror_build_info", "The running regmirror's version; always 1.", {"version"})
      .with({REGMIRROR_VERSION})
      .set(1);
  registrations_ = metrics::register_process_metrics(registry);
  const auto storage = [this](auto field) {
    return [this, field] {
      const auto totals = blob_totals_.get();
      return totals ? static_cast<double>((*totals).*field)
                    : std::numeric_limits<double>::quiet_NaN();
    };
  };
  registrations_.push_back(
      registry.callback("regmirror_storage_bytes", "Bytes of the blobs stored, each counted once.",
                        metrics::Type::kGauge, storage(&metadata::BlobTotals::bytes)));
  registrations_.push_back(registry.callback("regmirror_storage_blobs", "Blobs stored.",
                                             metrics::Type::kGauge,
                                             storage(&metadata::BlobTotals::blobs)));
  registrations_.push_back(registry.callback(
      "regmirror_uploads_in_progress", "Upload bodies being received now.", metrics::Type::kGauge,
      [uploads = std::move(uploads_in_progress)] { return static_cast<double>(uploads()); }));
}

}  // namespace server
