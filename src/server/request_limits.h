// What `regmirror serve` allows each client address (docs/config.md, "Limits"): a request rate
// (token bucket) and how many upload bodies it sends at once, plus a total of those uploads.
// Over a limit, a request gets 429 TOOMANYREQUESTS with Retry-After.
#pragma once

#include <chrono>
#include <expected>
#include <optional>

#include "server/concurrency_limit.h"
#include "server/config.h"
#include "server/context.h"
#include "server/exchange.h"
#include "server/rate_limiter.h"
#include "server/route.h"

namespace server {

class RequestLimits {
 public:
  explicit RequestLimits(const LimitsConfig& config);

  struct Refusal {
    std::string_view message;
    std::chrono::seconds retry_after;
  };
  // An upload with a body holds a slot until the Admission is destroyed; other requests get
  // an empty one.
  using Admission = std::expected<std::optional<ConcurrencyLimit::Slot>, Refusal>;
  Admission admit(const Exchange& exchange, const Route& route, RateLimiter::Clock::time_point now);
  // Upload bodies being received now, from all clients.
  std::size_t uploads_in_progress() { return uploads_.in_use(); }

 private:
  std::optional<RateLimiter> rate_;  // none: no rate limit
  ConcurrencyLimit uploads_;
};

// 429 TOOMANYREQUESTS with `message` and Retry-After.
asio::awaitable<void> send_too_many_requests(Exchange& exchange, std::string_view message,
                                             std::chrono::seconds retry_after);

// handle_request() within the limits: a request over one is answered 429 instead; an upload
// counts as under way until its handler returns, however it returns.
asio::awaitable<void> handle_within_limits(Exchange& exchange, const Route& route, Context& context,
                                           RequestLimits& limits,
                                           RateLimiter::Clock::time_point now);

}  // namespace server
