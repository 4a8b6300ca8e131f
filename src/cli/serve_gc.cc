#include "cli/serve_gc.h"

#include <spdlog/spdlog.h>

#include "server/gc_observer.h"
#include "transfer/human_bytes.h"

namespace cli {
namespace {

void log_report(const registry::GcReport& report) {
  spdlog::info(
      "gc: removed {} tags, {} manifests, {} blobs, {} links, {} leftover files; {} freed in "
      "{:.1f}s",
      report.tags_removed.size(), report.manifests_removed, report.blobs_removed,
      report.links_removed, report.leftovers_removed,
      transfer::human_bytes(static_cast<std::int64_t>(report.bytes_freed)),
      std::chrono::duration<double>(report.duration).count());
  if (report.interrupted) spdlog::warn("gc: interrupted by the stop, the next run goes on");
  for (const std::string& error : report.errors) spdlog::warn("gc: {}", error);
}

}  // namespace

ServeGc::ServeGc(imagesync::Schedule schedule, registry::GcOptions options,
                 registry::Registry& registry, events::Sink* events,
                 std::function<void()> after_run)
    : schedule_(std::move(schedule)),
      options_(std::move(options)),
      registry_(registry),
      events_(events),
      after_run_(std::move(after_run)),
      thread_([this](const std::stop_token& stop) { loop(stop); }) {
  spdlog::info("gc: {} {}", schedule_.is_interval() ? "every" : "at", schedule_.describe());
}

ServeGc::~ServeGc() {
  thread_.request_stop();
  wake_.notify_all();
}

void ServeGc::loop(const std::stop_token& stop) {
  auto next = schedule_.first_run(imagesync::Clock::now());
  while (true) {
    {
      std::unique_lock lock(mutex_);
      // True when stopped before the time came.
      if (wake_.wait_until(lock, stop, next, [] { return false; }) || stop.stop_requested()) {
        return;
      }
    }
    const auto started = imagesync::Clock::now();
    // A stop (SIGTERM) ends the run before its next repository or removal.
    registry::GcOptions options = options_;
    options.stop = stop;
    auto report = registry_.collect_garbage(options);
    server::observe_gc_run(report, events_);
    if (report) {
      log_report(*report);
      if (after_run_) after_run_();
    } else {
      spdlog::warn("gc: {}", report.error().message);
    }
    next = schedule_.next_run(started, imagesync::Clock::now());
  }
}

}  // namespace cli
