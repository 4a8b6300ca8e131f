#include "sync/sync_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "sync/sync_workers.h"
#include "transfer/human_bytes.h"

namespace imagesync {

bool SyncSummary::ok() const {
  if (!problems.empty()) return false;
  return std::all_of(destinations.begin(), destinations.end(),
                     [](const DestinationSummary& d) { return d.failures.empty(); });
}

bool SyncSummary::nothing_copied() const {
  return ok() &&
         std::all_of(destinations.begin(), destinations.end(), [](const DestinationSummary& d) {
           return d.stats.blobs_copied == 0 && d.stats.blobs_mounted == 0;
         });
}

StoreRepositories::StoreRepositories(transfer::StoreOpener& opener, transfer::AccessOptions source,
                                     transfer::AccessOptions destination)
    : opener_(opener), source_(std::move(source)), destination_(std::move(destination)) {}

oci::Result<std::unique_ptr<transfer::ImageStore>> StoreRepositories::open_source(
    const oci::Reference& repository) {
  std::lock_guard lock(mutex_);
  return opener_.open_repository(repository, source_);
}

oci::Result<std::unique_ptr<transfer::ImageStore>> StoreRepositories::open_destination(
    const oci::Reference& repository, const Destination& destination) {
  transfer::AccessOptions access = destination_;
  if (destination.tls_verify) access.tls_verify = destination.tls_verify;
  std::lock_guard lock(mutex_);
  return opener_.open_repository(repository, access);
}

SyncSummary run_plan(const SyncConfig& config, const SyncPlan& plan, const SyncRunOptions& options,
                     RepositoryOpener& opener, transfer::Progress& progress) {
  SyncSummary summary;
  summary.problems = plan.problems;
  for (const auto& destination : config.registries) {
    summary.destinations.emplace_back().destination = destination.str();
  }
  const std::size_t destinations = config.registries.size();
  std::mutex mutex;  // guards summary
  // Task t copies job t / destinations to destination t % destinations: every destination
  // gets work from the start.
  for_each_parallel(plan.jobs.size() * destinations, options.jobs, [&](std::size_t t) {
    const CopyJob& job = plan.jobs[t / destinations];
    const Destination& destination = config.registries[t % destinations];
    DestinationSummary& out = summary.destinations[t % destinations];
    auto target = destination_repository(job.repository, destination, config.rewrite);
    std::string image =
        job.describe().append(" -> ").append(target ? target->name() : destination.str());
    auto copied = [&]() -> oci::Result<transfer::CopyResult> {
      if (!target) return std::unexpected(target.error());
      auto source = opener.open_source(job.repository);
      if (!source) return std::unexpected(source.error());
      auto sink = opener.open_destination(*target, destination);
      if (!sink) return std::unexpected(sink.error());
      transfer::CopyOptions copy;
      copy.all = !job.platform;
      copy.platform = job.platform;
      copy.referrers = options.referrers;
      copy.jobs = options.blob_jobs;
      auto result = transfer::copy_image(**source, job.reference, **sink, job.destination_tag, copy,
                                         progress);
      if (!result) return result;
      if (auto finished = (*sink)->finish(); !finished) return std::unexpected(finished.error());
      return result;
    }();
    std::lock_guard lock(mutex);
    if (copied) {
      ++out.images_ok;
      out.stats += copied->stats;
    } else {
      progress.note(fmt::format("{}: {}", image, copied.error().message));
      out.failures.push_back(ImageFailure{std::move(image), copied.error().message});
    }
  });
  return summary;
}

SyncSummary run_sync(const SyncConfig& config, const SyncRunOptions& options,
                     transfer::StoreOpener& opener, transfer::Progress& progress) {
  if (config.registries.empty()) {
    SyncSummary summary;
    summary.problems.push_back(PlanProblem{"sync", "the sync config lists no registries"});
    return summary;
  }
  StoreRepositories repositories(opener, options.source_access, options.destination_access);
  const SyncPlan plan = plan_sync(config, repositories, options.jobs);
  return run_plan(config, plan, options, repositories, progress);
}

std::string format_summary(const SyncSummary& summary) {
  std::string text;
  for (const auto& problem : summary.problems) {
    text += fmt::format("error: {}: {}\n", problem.image, problem.message);
  }
  for (const auto& d : summary.destinations) {
    text += fmt::format("{}: {} images ok", d.destination, d.images_ok);
    if (d.images_skipped > 0) text += fmt::format(", {} already present", d.images_skipped);
    if (!d.failures.empty()) text += fmt::format(", {} failed", d.failures.size());
    text += fmt::format("; blobs: {} copied ({}), {} already present, {} mounted\n",
                        d.stats.blobs_copied, transfer::human_bytes(d.stats.bytes_copied),
                        d.stats.blobs_skipped, d.stats.blobs_mounted);
    for (const auto& failure : d.failures) {
      text += fmt::format("  failed: {}: {}\n", failure.image, failure.error);
    }
  }
  if (summary.nothing_copied()) text += "nothing to copy: every blob already present\n";
  return text;
}

}  // namespace imagesync
