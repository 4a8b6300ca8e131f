// GET /regmirror/v1/status: the registry at a glance (status_json.h). Admin-only when auth is
// on, as POST /regmirror/v1/gc: it shows every namespace's usage.
#include "metrics/process.h"
#include "server/handlers.h"
#include "server/status_json.h"

namespace server {
namespace {

// How many GC runs the status shows.
constexpr std::size_t kGcRunsShown = 5;

std::optional<std::chrono::system_clock::time_point> process_start() {
  const auto seconds = metrics::process_start_time_seconds();
  if (!seconds) return std::nullopt;
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(*seconds)));
}

SyncSummary summarize(const imagesync::SyncScheduler& scheduler) {
  SyncSummary summary;
  for (const auto& set : scheduler.status()) {
    ++summary.sets;
    if (set.running) ++summary.running;
    if (set.last_run && (set.last_run->images_failed > 0 || !set.last_run->errors.empty())) {
      ++summary.failing;
    }
  }
  return summary;
}

}  // namespace

asio::awaitable<void> handle_status(Exchange& exchange, const Route& /*route*/, Context& context) {
  if (exchange.method() != http::verb::get && exchange.method() != http::verb::head) {
    co_return co_await method_not_allowed(exchange);
  }
  StatusReport report{.version = REGMIRROR_VERSION, .started = process_start()};
  auto runs = co_await offload(context, [&] {
    if (auto totals = context.registry.blob_totals()) report.storage = *totals;
    return context.registry.gc_runs(kGcRunsShown);
  });
  if (!runs) co_return co_await exchange.send_error(runs.error());
  report.gc_runs = std::move(*runs);
  report.now = std::chrono::system_clock::now();
  if (context.quotas != nullptr) report.quotas = context.quotas->usage();
  if (context.sync_sets != nullptr) report.sync = summarize(*context.sync_sets);
  report.mirror = context.mirror != nullptr;
  auto response = exchange.make_response(http::status::ok);
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = status_json(report);
  co_await exchange.send(std::move(response));
}

}  // namespace server
