// GET /metrics (metrics.path): every registered metric in the Prometheus text format 0.0.4.
#include <array>
#include <string>

#include "metrics/registry.h"
#include "server/handlers.h"

namespace server {

asio::awaitable<void> handle_metrics(Exchange& exchange, const Route&, Context& context) {
  const bool read = exchange.method() == http::verb::get || exchange.method() == http::verb::head;
  if (!read) co_return co_await method_not_allowed(exchange);
  // On the blocking pool: the storage figures may query the database.
  std::string text = co_await offload(context, [] {
    std::string out;
    metrics::default_registry().write_text(out);
    return out;
  });
  static constexpr std::array<HeaderLine, 1> kHeaders = {
      HeaderLine{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}};
  co_await exchange.send_bytes(http::status::ok, kHeaders, text);
}

}  // namespace server
