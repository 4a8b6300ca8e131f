#include "cli/serve_sync_sets.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/access_flags.h"
#include "sync/local_sync.h"
#include "sync/sync_config.h"
#include "transfer/human_bytes.h"

namespace cli {
namespace {

// Registry calls of every set go through these few threads (the SQLite store keeps a
// connection per calling thread); blob bytes are written on the copies' own threads.
constexpr std::size_t kRegistryThreads = 4;

void log_run(const imagesync::ScheduledSet& set, const imagesync::SetRun& run,
             imagesync::Clock::duration took) {
  const auto seconds = std::chrono::duration<double>(took).count();
  const std::string summary =
      fmt::format("sync set {}: {} images ok, {} failed, {} copied in {:.1f}s", set.name,
                  run.images_ok, run.images_failed, transfer::human_bytes(run.bytes), seconds);
  if (run.errors.empty()) {
    spdlog::info("{}", summary);
    return;
  }
  spdlog::warn("{}, {} errors", summary, run.errors.size());
  for (const std::string& error : run.errors) spdlog::warn("sync set {}: {}", set.name, error);
}

}  // namespace

oci::Result<std::unique_ptr<ServeSyncSets>> ServeSyncSets::start(
    const std::vector<imagesync::ScheduledSet>& sets, registry::Registry& registry) {
  for (const auto& set : sets) {
    if (auto loaded = imagesync::load_sync_config(set.config); !loaded) {
      return oci::fail(loaded.error().code,
                       fmt::format("mirror.sync set {}: {}", set.name, loaded.error().message));
    }
  }
  std::unique_ptr<ServeSyncSets> started(new ServeSyncSets());
  auto conf = read_registries_conf("", "");
  if (!conf) return std::unexpected(conf.error());
  started->registries_conf_ = std::move(*conf);
  started->threads_ = std::make_unique<transfer::RegistryThreads>(kRegistryThreads);
  transfer::AccessOptions sources;
  sources.registries_conf = started->registries_conf_.get();
  const imagesync::LocalTarget target{registry, *started->threads_, sources, {}};
  started->scheduler_ = std::make_unique<imagesync::SyncScheduler>(
      sets, [target](const imagesync::ScheduledSet& set, const std::stop_token& stop) {
        spdlog::info("sync set {}: running {}", set.name, set.config.string());
        const auto started = imagesync::Clock::now();
        imagesync::SetRun run = imagesync::run_set_into_registry(set, target, stop);
        log_run(set, run, imagesync::Clock::now() - started);
        return run;
      });
  started->scheduler_->start();
  for (const auto& status : started->scheduler_->status()) {
    spdlog::info("sync set {}: {} {}, first run {}", status.set.name,
                 status.set.schedule.is_interval() ? "every" : "at", status.set.schedule.describe(),
                 status.next_run ? imagesync::format_utc(*status.next_run) : "now");
  }
  return started;
}

}  // namespace cli
