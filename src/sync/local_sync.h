// A sync whose destination is this process's own registry: the scheduled sets of
// `regmirror serve`. The sync.yaml's `registries` are not used. Repository names come from
// its mapping as for any destination (repository_mapping.h): the source path without its
// domain, or what the longest matching `rewrite` rule makes of it, under the set's prefix
// (quay.io/app/api -> app/api, or mirror/app/api with prefix "mirror").
#pragma once

#include <stop_token>
#include <string>

#include "registry/registry.h"
#include "sync/sync_plan.h"
#include "sync/sync_run.h"
#include "sync/sync_scheduler.h"
#include "transfer/open_store.h"
#include "transfer/registry_threads.h"

namespace imagesync {

// The Destination standing for this registry: the host "localhost" (never contacted: it
// only keeps repository_mapping's names well-formed) and `prefix`. Fails when `prefix` is
// not a repository path.
oci::Result<Destination> local_destination(const std::string& prefix);

// Sources through `sources`, every destination into `registry`.
class LocalRepositories final : public RepositoryOpener {
 public:
  LocalRepositories(RepositoryOpener& sources, registry::Registry& registry,
                    transfer::RegistryThreads& threads, std::stop_token stop);
  oci::Result<std::unique_ptr<transfer::ImageStore>> open_source(
      const oci::Reference& repository) override;
  // The repository's path (its name without the domain) in the registry.
  oci::Result<std::unique_ptr<transfer::ImageStore>> open_destination(
      const oci::Reference& repository, const Destination& destination) override;

 private:
  RepositoryOpener& sources_;
  registry::Registry& registry_;
  transfer::RegistryThreads& threads_;
  std::stop_token stop_;
};

// What the scheduled sets of one server share.
struct LocalTarget {
  registry::Registry& registry;
  transfer::RegistryThreads& threads;
  transfer::AccessOptions source_access;  // how the sources are reached
  SyncRunOptions options;
};

// Plans and runs `config` into the registry under `prefix`, sources through `sources`.
SetRun sync_into_registry(SyncConfig config, const std::string& prefix, RepositoryOpener& sources,
                          const LocalTarget& target, std::stop_token stop);

// Reads the set's sync.yaml (again at every run, so edits apply from the next one) and runs
// it into the registry, sources reached with target.source_access.
SetRun run_set_into_registry(const ScheduledSet& set, const LocalTarget& target,
                             std::stop_token stop);

}  // namespace imagesync
