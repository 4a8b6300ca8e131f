// The HTTP front's metrics: requests by route, method and status, their duration, bytes in
// and out, requests in flight. Recording a request touches no lock and no map: every child
// is resolved once, the first time its route, method and status are seen, and kept in a table.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "metrics/registry.h"
#include "server/http.h"
#include "server/route.h"

namespace server {

// The `route` label of a resource: "manifest", "blob", "blob_upload", "tags", ... "other".
std::string_view route_label(Resource resource);

struct RequestMeasure {
  Resource resource = Resource::kNone;
  http::verb method = http::verb::unknown;
  unsigned status = 0;
  std::uint64_t bytes_received = 0;  // request body
  std::uint64_t bytes_sent = 0;      // response body
  std::chrono::steady_clock::duration duration{};
};

class HttpMetrics {
 public:
  explicit HttpMetrics(metrics::Registry& registry);
  HttpMetrics(const HttpMetrics&) = delete;
  HttpMetrics& operator=(const HttpMetrics&) = delete;

  void started() { started_.inc(); }
  void finished(const RequestMeasure& request);

 private:
  static constexpr std::size_t kResources = static_cast<std::size_t>(Resource::kMetrics) + 1;
  static constexpr std::size_t kMethods = 8;  // GET HEAD PUT POST PATCH DELETE OPTIONS other
  // The statuses regmirror answers with, each with a slot of its own; any other is looked up.
  static constexpr std::array<unsigned short, 20> kStatuses = {200, 201, 202, 204, 206, 304, 307,
                                                               400, 401, 403, 404, 405, 408, 409,
                                                               413, 416, 429, 431, 500, 503};

  struct MethodCells {
    std::atomic<metrics::Histogram*> duration{nullptr};
    std::array<std::atomic<metrics::Counter*>, kStatuses.size()> requests{};
  };
  struct ResourceCells {
    metrics::Counter* bytes_received = nullptr;
    metrics::Counter* bytes_sent = nullptr;
    std::array<MethodCells, kMethods> methods;
  };

  metrics::Counter& requests(Resource resource, std::size_t method, unsigned status);
  metrics::Histogram& duration(Resource resource, std::size_t method);

  metrics::Family<metrics::Counter>& requests_family_;
  metrics::Family<metrics::Histogram>& duration_family_;
  // Not exposed: their difference is regmirror_http_requests_in_flight.
  metrics::Counter started_;
  metrics::Counter finished_;
  std::array<ResourceCells, kResources> cells_;
  metrics::Registration in_flight_;
};

}  // namespace server
