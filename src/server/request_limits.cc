#include "server/request_limits.h"

#include <string>

#include "server/error_response.h"
#include "server/handlers.h"

namespace server {
namespace {

// An upload refused for lack of a slot may try again this much later: slots free up as other
// uploads end, which no clock predicts.
constexpr std::chrono::seconds kUploadRetryAfter{1};

bool is_upload_with_body(const Exchange& exchange, const Route& route) {
  if (route.resource != Resource::kUploads && route.resource != Resource::kUpload) return false;
  const http::verb method = exchange.method();
  if (method != http::verb::post && method != http::verb::patch && method != http::verb::put) {
    return false;
  }
  return exchange.content_length().value_or(0) > 0 ||
         !exchange.header(http::field::transfer_encoding).empty();
}

}  // namespace

asio::awaitable<void> send_too_many_requests(Exchange& exchange, std::string_view message,
                                             std::chrono::seconds retry_after) {
  auto response = exchange.make_response(http::status::too_many_requests);
  response.set(http::field::content_type, "application/json");
  response.set(http::field::retry_after, std::to_string(retry_after.count()));
  const oci::Error error{oci::ErrorCode::kTooManyRequests, std::string(message)};
  response.body() = error_body(error);
  co_await exchange.send(std::move(response));
}

RequestLimits::RequestLimits(const LimitsConfig& config)
    : uploads_(config.uploads.per_client, config.uploads.total) {
  if (config.rate.requests_per_second > 0) {
    rate_.emplace(config.rate.requests_per_second, config.rate.burst);
  }
}

RequestLimits::Admission RequestLimits::admit(const Exchange& exchange, const Route& route,
                                              RateLimiter::Clock::time_point now) {
  // A health check costs nothing to answer, and a load balancer's probes (or a Prometheus
  // scrape) must not fail because clients behind the same address are over their rate.
  if (route.resource == Resource::kHealth || route.resource == Resource::kMetrics) {
    return std::nullopt;
  }
  const std::string& client = exchange.peer().address;
  if (rate_) {
    if (auto decision = rate_->take(client, now); !decision.allowed) {
      return std::unexpected(Refusal{"too many requests from this address", decision.retry_after});
    }
  }
  if (!is_upload_with_body(exchange, route)) return std::nullopt;
  auto slot = uploads_.try_acquire(client);
  if (!slot) return std::unexpected(Refusal{"too many uploads at once", kUploadRetryAfter});
  return slot;
}

asio::awaitable<void> handle_within_limits(Exchange& exchange, const Route& route, Context& context,
                                           RequestLimits& limits,
                                           RateLimiter::Clock::time_point now) {
  auto admission = limits.admit(exchange, route, now);
  if (!admission) {
    const RequestLimits::Refusal& refusal = admission.error();
    co_return co_await send_too_many_requests(exchange, refusal.message, refusal.retry_after);
  }
  co_await handle_request(exchange, route, context);
}

}  // namespace server
