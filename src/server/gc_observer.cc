#include "server/gc_observer.h"

#include <chrono>

#include "metrics/registry.h"

namespace server {
namespace {

struct GcMetrics {
  metrics::Counter& ok;
  metrics::Counter& failed;
  metrics::Counter& skipped;
  metrics::Counter& manifests;
  metrics::Counter& blobs;
  metrics::Counter& bytes;
  metrics::Counter& tags_removed;
  metrics::Gauge& last_run;
  metrics::Gauge& last_duration;
};

GcMetrics& gc_metrics() {
  auto& registry = metrics::default_registry();
  auto& runs = registry.counter("regmirror_gc_runs_total",
                                "Garbage collection runs, by result: ok, failed, or skipped "
                                "(another run held the lease).",
                                {"result"});
  static GcMetrics metrics{
      .ok = runs.with({"ok"}),
      .failed = runs.with({"failed"}),
      .skipped = runs.with({"skipped"}),
      .manifests = registry
                       .counter("regmirror_gc_manifests_removed_total",
                                "Manifests garbage collection removed.")
                       .get(),
      .blobs = registry
                   .counter("regmirror_gc_blobs_removed_total",
                            "Blobs garbage collection removed, crash leftovers included.")
                   .get(),
      .bytes = registry
                   .counter("regmirror_gc_freed_bytes_total",
                            "Bytes of storage garbage collection freed.")
                   .get(),
      .tags_removed = registry
                          .counter("regmirror_retention_tags_removed_total",
                                   "Tags retention rules removed in garbage collection runs.")
                          .get(),
      .last_run = registry
                      .gauge("regmirror_gc_last_run_timestamp_seconds",
                             "When the last garbage collection run ended.")
                      .get(),
      .last_duration = registry
                           .gauge("regmirror_gc_last_run_duration_seconds",
                                  "How long the last garbage collection run took.")
                           .get(),
  };
  return metrics;
}

// "repository@sha256:..." into its two parts.
void emit_removed_manifest(events::Sink& sink, const std::string& reference) {
  const auto at = reference.rfind('@');
  if (at == std::string::npos) return;
  sink.emit(events::Event{
      .time = std::chrono::system_clock::now(),
      .action = events::Action::kGcDelete,
      .repository = reference.substr(0, at),
      .digest = reference.substr(at + 1),
  });
}

// A tag retention removed: the event of a tag DELETE, with the digest it pointed at.
void emit_removed_tag(events::Sink& sink, const registry::RemovedTag& removed) {
  sink.emit(events::Event{
      .time = std::chrono::system_clock::now(),
      .action = events::Action::kDelete,
      .repository = removed.repository,
      .digest = removed.digest,
      .tag = removed.tag,
  });
}

}  // namespace

void observe_gc_run(const oci::Result<registry::GcReport>& report, events::Sink* sink) {
  GcMetrics& metrics = gc_metrics();
  if (!report) {
    (report.error().code == oci::ErrorCode::kTooManyRequests ? metrics.skipped : metrics.failed)
        .inc();
    return;
  }
  metrics.ok.inc();
  metrics.last_run.set(
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  metrics.last_duration.set(std::chrono::duration<double>(report->duration).count());
  if (report->dry_run) return;
  metrics.manifests.add(report->manifests_removed);
  metrics.blobs.add(report->blobs_removed + report->leftovers_removed);
  metrics.bytes.add(report->bytes_freed);
  metrics.tags_removed.add(report->tags_removed.size());
  if (sink == nullptr || !sink->enabled()) return;
  for (const auto& removed : report->tags_removed) emit_removed_tag(*sink, removed);
  for (const std::string& manifest : report->manifests) emit_removed_manifest(*sink, manifest);
}

}  // namespace server
