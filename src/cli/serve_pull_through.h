// The pull-through mirror of `regmirror serve` (mirror.upstreams, --upstream): the upstream
// table checked at start, and the registries.conf the upstreams are reached through, if any.
// No upstream is contacted here: an upstream that is down never stops serve from starting.
#pragma once

#include <filesystem>
#include <memory>

#include "mirror/pull_through.h"
#include "nodeconf/registries_conf.h"
#include "oci/error.h"
#include "registry/registry.h"
#include "server/mirror_config.h"

namespace cli {

class ServePullThrough {
 public:
  // Null without upstreams. Fails when two upstreams share a prefix or the registries.conf
  // does not load. `store`: where the fetch leases of processes sharing the database live.
  // `spool_directory`: local scratch space for blobs being fetched (object storage only).
  // `events`: told of what is fetched (may be null).
  static oci::Result<std::unique_ptr<ServePullThrough>> start(
      const server::MirrorConfig& config, registry::Registry& registry, metadata::Store& store,
      const std::filesystem::path& spool_directory, events::Sink* events);

  mirror::PullThrough& pull_through() { return *pull_through_; }

 private:
  ServePullThrough() = default;

  // In this order: the mirror reads the registries.conf.
  std::unique_ptr<nodeconf::RegistriesConf> registries_conf_;
  std::unique_ptr<mirror::PullThrough> pull_through_;
};

}  // namespace cli
