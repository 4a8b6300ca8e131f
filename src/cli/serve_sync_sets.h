// The scheduled sync sets of `regmirror serve` (mirror.sync): each sync.yaml checked at
// start, then run into the registry on its schedule, every run logged. Sources are reached
// as `regmirror sync` reaches them without access flags: containers-auth.json credentials,
// certs.d trust, registries.conf's `insecure` (read once, at start).
#pragma once

#include <memory>
#include <vector>

#include "nodeconf/registries_conf.h"
#include "oci/error.h"
#include "registry/registry.h"
#include "sync/schedule.h"
#include "sync/sync_scheduler.h"
#include "transfer/registry_threads.h"

namespace cli {

class ServeSyncSets {
 public:
  // Fails when a set's sync.yaml does not load, or registries.conf does not.
  static oci::Result<std::unique_ptr<ServeSyncSets>> start(
      const std::vector<imagesync::ScheduledSet>& sets, registry::Registry& registry);

  const imagesync::SyncScheduler& scheduler() const { return *scheduler_; }

 private:
  ServeSyncSets() = default;

  // In this order: the scheduler's runs use the threads, which use the registry.
  std::shared_ptr<nodeconf::RegistriesConf> registries_conf_;
  std::unique_ptr<transfer::RegistryThreads> threads_;
  std::unique_ptr<imagesync::SyncScheduler> scheduler_;
};

}  // namespace cli
