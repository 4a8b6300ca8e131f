#include "sync/local_sync.h"

#include <fmt/format.h>

#include "transfer/local_registry_store.h"
#include "transfer/progress.h"

namespace imagesync {
namespace {

void add_error(SetRun& run, std::string error) {
  if (run.errors.size() < kMaxRunErrors) {
    run.errors.push_back(std::move(error));
  } else if (run.errors.size() == kMaxRunErrors) {
    run.errors.emplace_back("(more errors left out)");
  }
}

SetRun run_of(const SyncSummary& summary) {
  SetRun run;
  for (const auto& problem : summary.problems) {
    add_error(run, fmt::format("{}: {}", problem.image, problem.message));
  }
  for (const auto& destination : summary.destinations) {
    run.images_ok += destination.images_ok;
    run.images_failed += static_cast<int>(destination.failures.size());
    run.bytes += destination.stats.bytes_copied;
    for (const auto& failure : destination.failures) {
      add_error(run, fmt::format("{}: {}", failure.image, failure.error));
    }
  }
  return run;
}

}  // namespace

oci::Result<Destination> local_destination(const std::string& prefix) {
  return Destination::parse(prefix.empty() ? std::string("localhost") : "localhost/" + prefix);
}

LocalRepositories::LocalRepositories(RepositoryOpener& sources, registry::Registry& registry,
                                     transfer::RegistryThreads& threads, std::stop_token stop)
    : sources_(sources), registry_(registry), threads_(threads), stop_(std::move(stop)) {}

oci::Result<std::unique_ptr<transfer::ImageStore>> LocalRepositories::open_source(
    const oci::Reference& repository) {
  return sources_.open_source(repository);
}

oci::Result<std::unique_ptr<transfer::ImageStore>> LocalRepositories::open_destination(
    const oci::Reference& repository, const Destination&) {
  return std::make_unique<transfer::LocalRegistryStore>(registry_, threads_, repository.path(),
                                                        stop_);
}

SetRun sync_into_registry(SyncConfig config, const std::string& prefix, RepositoryOpener& sources,
                          const LocalTarget& target, std::stop_token stop) {
  auto destination = local_destination(prefix);
  if (!destination) {
    SetRun run;
    add_error(run, destination.error().message);
    return run;
  }
  config.registries = {*destination};
  LocalRepositories repositories(sources, target.registry, target.threads, std::move(stop));
  transfer::NoProgress progress;
  const SyncPlan plan = plan_sync(config, repositories, target.options.jobs);
  return run_of(run_plan(config, plan, target.options, repositories, progress));
}

SetRun run_set_into_registry(const ScheduledSet& set, const LocalTarget& target,
                             std::stop_token stop) {
  auto config = load_sync_config(set.config);
  if (!config) {
    SetRun run;
    add_error(run, config.error().message);
    return run;
  }
  transfer::StoreOpener opener;
  StoreRepositories sources(opener, target.source_access, {});
  return sync_into_registry(std::move(*config), set.prefix, sources, target, std::move(stop));
}

}  // namespace imagesync
