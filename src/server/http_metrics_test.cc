#include "server/http_metrics.h"

#include <gtest/gtest.h>

namespace server {
namespace {

using namespace std::chrono_literals;

std::string text(const metrics::Registry& registry) {
  std::string out;
  registry.write_text(out);
  return out;
}

bool has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(HttpMetrics, CountsRequestsByRouteMethodAndCode) {
  metrics::Registry registry;
  HttpMetrics http(registry);
  for (unsigned status : {200u, 200u, 404u, 418u}) {
    http.started();
    http.finished({.resource = Resource::kManifest,
                   .method = http::verb::head,
                   .status = status,
                   .duration = 2ms});
  }
  http.started();
  http.finished({.resource = Resource::kUpload,
                 .method = http::verb::patch,
                 .status = 202,
                 .bytes_received = 1000,
                 .duration = 30ms});
  const std::string out = text(registry);
  EXPECT_TRUE(
      has(out, R"(regmirror_http_requests_total{route="manifest",method="HEAD",code="200"} 2)"))
      << out;
  EXPECT_TRUE(
      has(out, R"(regmirror_http_requests_total{route="manifest",method="HEAD",code="404"} 1)"));
  // A status without a slot of its own is counted all the same.
  EXPECT_TRUE(
      has(out, R"(regmirror_http_requests_total{route="manifest",method="HEAD",code="418"} 1)"));
  EXPECT_TRUE(has(
      out, R"(regmirror_http_requests_total{route="blob_upload",method="PATCH",code="202"} 1)"));
  EXPECT_TRUE(has(
      out, R"(regmirror_http_request_duration_seconds_count{route="manifest",method="HEAD"} 4)"));
  EXPECT_TRUE(has(
      out,
      R"(regmirror_http_request_duration_seconds_bucket{route="blob_upload",method="PATCH",le="0.025"} 0)"));
  EXPECT_TRUE(has(
      out,
      R"(regmirror_http_request_duration_seconds_bucket{route="blob_upload",method="PATCH",le="0.05"} 1)"));
  EXPECT_TRUE(has(out, R"(regmirror_http_request_bytes_total{route="blob_upload"} 1000)"));
  EXPECT_TRUE(has(out, "regmirror_http_requests_in_flight 0"));
}

TEST(HttpMetrics, InFlightIsStartedLessFinished) {
  metrics::Registry registry;
  HttpMetrics http(registry);
  http.started();
  http.started();
  http.finished({.resource = Resource::kBase, .method = http::verb::get, .status = 200});
  EXPECT_TRUE(has(text(registry), "regmirror_http_requests_in_flight 1"));
}

TEST(HttpMetrics, RouteLabelsAreBounded) {
  EXPECT_EQ(route_label(Resource::kManifest), "manifest");
  EXPECT_EQ(route_label(Resource::kUploads), "blob_upload");
  EXPECT_EQ(route_label(Resource::kUpload), "blob_upload");
  EXPECT_EQ(route_label(Resource::kHealth), "healthz");
  EXPECT_EQ(route_label(Resource::kMetrics), "metrics");
  EXPECT_EQ(route_label(Resource::kUi), "ui");
  EXPECT_EQ(route_label(Resource::kNone), "other");
}

}  // namespace
}  // namespace server
