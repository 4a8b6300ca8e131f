// POST /regmirror/v1/gc: a garbage collection run now, on the blocking pool; its report as the
// answer. 409 while another run (of any process sharing the database) goes on.
#include "server/error_response.h"
#include "server/gc_observer.h"
#include "server/gc_report_json.h"
#include "server/handlers.h"
#include "server/quota_ledger.h"

namespace server {
namespace {

constexpr std::uint64_t kMaxRequestBody = 4096;

asio::awaitable<void> send_json_error(Exchange& exchange, http::status status,
                                      const oci::Error& error) {
  auto response = exchange.make_response(status);
  response.set(http::field::content_type, "application/json");
  response.body() = error_body(error);
  co_await exchange.send(std::move(response));
}

}  // namespace

asio::awaitable<void> handle_gc(Exchange& exchange, const Route&, Context& context) {
  if (exchange.method() != http::verb::post) co_return co_await method_not_allowed(exchange);
  auto body = co_await exchange.read_body_string(kMaxRequestBody);
  if (!body) co_return co_await exchange.send_error(body.error());
  auto dry_run = parse_gc_request(*body);
  if (!dry_run) {
    co_return co_await send_json_error(exchange, http::status::bad_request, dry_run.error());
  }
  registry::GcOptions options = context.gc != nullptr ? *context.gc : registry::GcOptions{};
  options.dry_run = *dry_run;
  auto report = co_await offload(context, [&] {
    auto ran = context.registry.collect_garbage(options);
    // With the run, on the blocking pool: one gc.delete event per manifest removed.
    observe_gc_run(ran, context.events);
    // What the run freed shows in the quotas' usage at once.
    if (ran && !options.dry_run && context.quotas != nullptr) (void)context.quotas->correct();
    return ran;
  });
  if (!report && report.error().code == oci::ErrorCode::kTooManyRequests) {
    co_return co_await send_json_error(exchange, http::status::conflict, report.error());
  }
  if (!report) co_return co_await exchange.send_error(report.error());
  auto response = exchange.make_response(http::status::ok);
  response.set(http::field::content_type, "application/json");
  response.body() = gc_report_json(*report);
  co_await exchange.send(std::move(response));
}

}  // namespace server
