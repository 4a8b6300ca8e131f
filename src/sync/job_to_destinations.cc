#include "sync/job_to_destinations.h"

#include <fmt/format.h>

#include <memory>

#include "sync/guarded_store.h"
#include "transfer/sign_image.h"

namespace imagesync {

std::vector<DestinationOutcome> copy_job(const CopyJob& job, const SyncConfig& config,
                                         std::span<DestinationHealth> health,
                                         const transfer::CopyOptions& copy,
                                         RepositoryOpener& opener, transfer::Progress& progress,
                                         const signature::PrivateKey* sign_with) {
  const std::size_t count = config.registries.size();
  std::vector<DestinationOutcome> outcomes;
  outcomes.reserve(count);
  std::vector<std::unique_ptr<transfer::ImageStore>> stores(count);
  std::vector<transfer::CopyTarget> targets;
  std::vector<std::size_t> target_of;      // destination index of each target
  std::vector<std::string> repository_of;  // each target's repository, "host/path"
  for (std::size_t d = 0; d < count; ++d) {
    const Destination& destination = config.registries[d];
    auto repository = destination_repository(job.repository, destination, config.rewrite);
    outcomes.push_back(DestinationOutcome{
        job.describe().append(" -> ").append(repository ? repository->name() : destination.str()),
        transfer::CopyStats{}});
    if (!repository) {
      outcomes[d].copied = std::unexpected(repository.error());
      continue;
    }
    if (auto reason = health[d].down_reason()) {
      outcomes[d].copied =
          oci::fail(oci::ErrorCode::kInternal,
                    fmt::format("{}: destination down ({})", destination.str(), *reason));
      continue;
    }
    auto sink = opener.open_destination(*repository, destination);
    if (!sink) {
      outcomes[d].copied = std::unexpected(sink.error());
      continue;
    }
    stores[d] =
        std::make_unique<GuardedStore>(std::move(*sink), health[d], destination.str(), progress);
    targets.push_back(transfer::CopyTarget{stores[d].get(), job.destination_tag});
    target_of.push_back(d);
    repository_of.push_back(repository->name());
  }
  if (targets.empty()) return outcomes;
  auto source = opener.open_source(job.repository);
  if (!source) {
    for (const std::size_t d : target_of) outcomes[d].copied = std::unexpected(source.error());
    return outcomes;
  }
  auto results = transfer::copy_image_to_all(**source, job.reference, targets, copy, progress);
  for (std::size_t t = 0; t < targets.size(); ++t) {
    DestinationOutcome& outcome = outcomes[target_of[t]];
    if (!results[t]) {
      outcome.copied = std::unexpected(results[t].error());
      continue;
    }
    if (sign_with != nullptr) {
      // Each manifest written (with --all every child, then the index), for one identity.
      const std::string identity =
          transfer::signing_identity(repository_of[t], job.destination_tag, results[t]->digest);
      auto signed_as =
          transfer::sign_copied_image(*targets[t].store, *results[t], identity, *sign_with);
      if (!signed_as) {
        outcome.copied = std::unexpected(signed_as.error());
        continue;
      }
    }
    if (auto finished = targets[t].store->finish(); !finished) {
      outcome.copied = std::unexpected(finished.error());
    } else {
      outcome.copied = results[t]->stats;
    }
  }
  return outcomes;
}

}  // namespace imagesync
