// GET /regmirror/v1/sync: the scheduled sync sets (mirror.sync) and their runs.
#include "server/handlers.h"
#include "server/sync_status_json.h"

namespace server {

asio::awaitable<void> handle_sync_sets(Exchange& exchange, const Route&, Context& context) {
  if (exchange.method() != http::verb::get && exchange.method() != http::verb::head) {
    co_return co_await method_not_allowed(exchange);
  }
  // A copy taken under the scheduler's lock, held only for that: fine on an I/O thread.
  const std::vector<imagesync::SetStatus> sets = context.sync_sets != nullptr
                                                     ? context.sync_sets->status()
                                                     : std::vector<imagesync::SetStatus>();
  auto response = exchange.make_response(http::status::ok);
  response.set(http::field::content_type, "application/json");
  response.body() = sync_status_json(sets);
  co_await exchange.send(std::move(response));
}

}  // namespace server
