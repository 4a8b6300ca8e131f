// GET /regmirror/v1/upstreams: each upstream of the mirror, whether it answers, its last
// error, and the cache's hits, misses and fetches for it.
#include <nlohmann/json.hpp>

#include "mirror/pull_through.h"
#include "server/handlers.h"
#include "sync/schedule.h"

namespace server {
namespace {

nlohmann::json upstream_json(const mirror::UpstreamStatus& status) {
  const mirror::Upstream& upstream = *status.upstream;
  const mirror::HealthSnapshot& health = status.health;
  nlohmann::json entry = {
      {"prefix", upstream.prefix},
      {"url", upstream.url},
      {"tag_ttl_seconds", upstream.tag_ttl.count()},
      {"allow_push", upstream.allow_push},
      {"reachable", health.reachable ? nlohmann::json(*health.reachable) : nlohmann::json()},
      {"last_error", health.last_error},
      {"last_error_at", health.last_error_at
                            ? nlohmann::json(imagesync::format_utc(*health.last_error_at))
                            : nlohmann::json()},
      {"hits", health.hits},
      {"misses", health.misses},
      {"fetches", health.fetches},
      {"fetched_bytes", health.fetched_bytes},
      {"cached_bytes",
       status.cached_bytes ? nlohmann::json(*status.cached_bytes) : nlohmann::json()},
      {"stale_served", health.stale},
  };
  return entry;
}

}  // namespace

asio::awaitable<void> handle_upstreams(Exchange& exchange, const Route& /*route*/,
                                       Context& context) {
  if (exchange.method() != http::verb::get && exchange.method() != http::verb::head) {
    co_return co_await method_not_allowed(exchange);
  }
  nlohmann::json upstreams = nlohmann::json::array();
  if (context.mirror != nullptr) {
    const auto statuses = co_await offload(context, [&] { return context.mirror->status(); });
    for (const auto& status : statuses) upstreams.push_back(upstream_json(status));
  }
  auto response = exchange.make_response(http::status::ok);
  response.set(http::field::content_type, "application/json");
  response.body() = nlohmann::json{{"upstreams", std::move(upstreams)}}.dump();
  co_await exchange.send(std::move(response));
}

}  // namespace server
