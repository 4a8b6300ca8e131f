#include "server/http_metrics.h"

#include <algorithm>
#include <string>

namespace server {
namespace {

constexpr std::array<std::string_view, 8> kMethodLabels = {"GET",   "HEAD",   "PUT",     "POST",
                                                           "PATCH", "DELETE", "OPTIONS", "other"};

std::size_t method_index(http::verb method) {
  switch (method) {
    case http::verb::get:
      return 0;
    case http::verb::head:
      return 1;
    case http::verb::put:
      return 2;
    case http::verb::post:
      return 3;
    case http::verb::patch:
      return 4;
    case http::verb::delete_:
      return 5;
    case http::verb::options:
      return 6;
    default:
      return 7;
  }
}

template <class Metric, class Make>
Metric& resolved(std::atomic<Metric*>& cell, Make make) {
  Metric* metric = cell.load(std::memory_order_acquire);
  if (metric == nullptr) {
    // Two threads may both get here: both resolve the same child, so either store is right.
    metric = &make();
    cell.store(metric, std::memory_order_release);
  }
  return *metric;
}

}  // namespace

std::string_view route_label(Resource resource) {
  switch (resource) {
    case Resource::kHealth:
      return "healthz";
    case Resource::kToken:
      return "token";
    case Resource::kBase:
      return "base";
    case Resource::kCatalog:
      return "catalog";
    case Resource::kTags:
      return "tags";
    case Resource::kManifest:
      return "manifest";
    case Resource::kBlob:
      return "blob";
    case Resource::kUploads:
    case Resource::kUpload:
      return "blob_upload";
    case Resource::kReferrers:
      return "referrers";
    case Resource::kUpstreams:
      return "upstreams";
    case Resource::kSyncSets:
      return "sync";
    case Resource::kGc:
      return "gc";
    case Resource::kStatus:
      return "status";
    case Resource::kSession:
      return "session";
    case Resource::kUiRepositories:
    case Resource::kUiTags:
    case Resource::kUiImage:
      return "repositories";
    case Resource::kUi:
      return "ui";
    case Resource::kMetrics:
      return "metrics";
    case Resource::kNone:
      break;
  }
  return "other";
}

HttpMetrics::HttpMetrics(metrics::Registry& registry)
    : requests_family_(registry.counter("regmirror_http_requests_total",
                                        "HTTP requests answered, by route, method and status.",
                                        {"route", "method", "code"})),
      duration_family_(registry.histogram(
          "regmirror_http_request_duration_seconds",
          "Time from a request's headers to the end of its response, by route and method.",
          {"route", "method"}, metrics::kDurationBounds)) {
  auto& received = registry.counter("regmirror_http_request_bytes_total",
                                    "Bytes of request bodies received, by route.", {"route"});
  auto& sent = registry.counter("regmirror_http_response_bytes_total",
                                "Bytes of response bodies sent, by route.", {"route"});
  for (std::size_t i = 0; i < kResources; ++i) {
    const std::string_view label = route_label(static_cast<Resource>(i));
    cells_[i].bytes_received = &received.with({label});
    cells_[i].bytes_sent = &sent.with({label});
  }
  // Read finished first: a request that starts in between makes the gauge one too high for a
  // scrape, never negative.
  in_flight_ = registry.callback(
      "regmirror_http_requests_in_flight", "HTTP requests being answered now.",
      metrics::Type::kGauge, [this] {
        const std::uint64_t finished = finished_.value();
        return static_cast<double>(started_.value() - std::min(finished, started_.value()));
      });
}

metrics::Counter& HttpMetrics::requests(Resource resource, std::size_t method, unsigned status) {
  const auto make = [&]() -> metrics::Counter& {
    const std::string code = std::to_string(status);
    return requests_family_.with({route_label(resource), kMethodLabels[method], code});
  };
  const auto* slot = std::find(kStatuses.begin(), kStatuses.end(), status);
  if (slot == kStatuses.end()) return make();
  auto& cell = cells_[static_cast<std::size_t>(resource)]
                   .methods[method]
                   .requests[static_cast<std::size_t>(slot - kStatuses.begin())];
  return resolved(cell, make);
}

metrics::Histogram& HttpMetrics::duration(Resource resource, std::size_t method) {
  auto& cell = cells_[static_cast<std::size_t>(resource)].methods[method].duration;
  return resolved(cell, [&]() -> metrics::Histogram& {
    return duration_family_.with({route_label(resource), kMethodLabels[method]});
  });
}

void HttpMetrics::finished(const RequestMeasure& request) {
  const std::size_t method = method_index(request.method);
  requests(request.resource, method, request.status).inc();
  duration(request.resource, method)
      .observe(std::chrono::duration<double>(request.duration).count());
  ResourceCells& cells = cells_[static_cast<std::size_t>(request.resource)];
  if (request.bytes_received > 0) cells.bytes_received->add(request.bytes_received);
  if (request.bytes_sent > 0) cells.bytes_sent->add(request.bytes_sent);
  finished_.inc();
}

}  // namespace server
