#include "sync/sync_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "sync/destination_health.h"
#include "sync/job_to_destinations.h"
#include "sync/sync_workers.h"
#include "transfer/human_bytes.h"

namespace imagesync {

bool SyncSummary::ok() const {
  if (!problems.empty()) return false;
  return std::all_of(destinations.begin(), destinations.end(), [](const DestinationSummary& d) {
    return d.failures.empty() && d.down.empty();
  });
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
  std::vector<DestinationHealth> health(config.registries.size());
  transfer::BlobHomes homes;
  transfer::CopyOptions copy;
  copy.homes = &homes;
  copy.referrers = options.referrers;
  copy.attachments = options.referrers;
  copy.jobs = options.blob_jobs;
  // Per destination, the images that failed and whether for want of an answer.
  std::vector<std::vector<std::pair<ImageFailure, bool>>> failed(config.registries.size());
  std::mutex mutex;  // guards summary and failed
  // `jobs` counts copies into a destination, as it did when each destination was copied on
  // its own: an image going to three destinations is three of them. A registry sees as many
  // uploads at once as before (regmirror serve refuses more than 16 per client by default).
  const int destinations = std::max<int>(1, static_cast<int>(config.registries.size()));
  const int images_at_once = std::max(1, (options.jobs + destinations - 1) / destinations);
  for_each_parallel(plan.jobs.size(), images_at_once, [&](std::size_t j) {
    const CopyJob& job = plan.jobs[j];
    transfer::CopyOptions job_copy = copy;
    job_copy.all = !job.platform;
    job_copy.platform = job.platform;
    auto outcomes = copy_job(job, config, health, job_copy, opener, progress, options.sign_with);
    std::lock_guard lock(mutex);
    for (std::size_t d = 0; d < outcomes.size(); ++d) {
      DestinationSummary& out = summary.destinations[d];
      DestinationOutcome& outcome = outcomes[d];
      if (outcome.copied) {
        ++out.images_ok;
        out.stats += *outcome.copied;
        continue;
      }
      const oci::Error& error = outcome.copied.error();
      if (!health[d].down()) progress.note(fmt::format("{}: {}", outcome.image, error.message));
      failed[d].push_back({ImageFailure{std::move(outcome.image), error.message},
                           DestinationHealth::is_transport_failure(error)});
    }
  });
  // At a destination that went down, the images that failed for want of an answer (those
  // before it was marked too) are counted, not listed: the reason is said once.
  for (std::size_t d = 0; d < health.size(); ++d) {
    DestinationSummary& out = summary.destinations[d];
    out.down = health[d].down_reason().value_or("");
    for (auto& [failure, transport] : failed[d]) {
      if (!out.down.empty() && transport) {
        ++out.images_not_copied;
      } else {
        out.failures.push_back(std::move(failure));
      }
    }
  }
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
    if (d.images_not_copied > 0) text += fmt::format(", {} not copied", d.images_not_copied);
    text += fmt::format("; blobs: {} copied ({}), {} already present, {} mounted\n",
                        d.stats.blobs_copied, transfer::human_bytes(d.stats.bytes_copied),
                        d.stats.blobs_skipped, d.stats.blobs_mounted);
    if (!d.down.empty()) text += fmt::format("  destination down: {}\n", d.down);
    for (const auto& failure : d.failures) {
      text += fmt::format("  failed: {}: {}\n", failure.image, failure.error);
    }
  }
  if (summary.nothing_copied()) text += "nothing to copy: every blob already present\n";
  return text;
}

}  // namespace imagesync
