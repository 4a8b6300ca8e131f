// The `gc:` section of the server's configuration (online garbage collection, docs/gc.md)
// and `auth.admins`, who may start a run with POST /regmirror/v1/gc.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "auth/repository_pattern.h"
#include "mirror/upstream.h"
#include "oci/error.h"
#include "registry/gc.h"
#include "sync/schedule.h"

namespace YAML {
class Node;
}

namespace server {

struct GcConfig {
  // When `serve` runs it: a cron schedule (default 03:00 UTC daily) or an interval; nullopt
  // (`schedule: ""`) turns the schedule off.
  std::optional<imagesync::Schedule> schedule = default_schedule();
  std::chrono::seconds grace{std::chrono::hours(1)};
  bool untagged = true;
  // Repositories whose untagged manifests stay; unset: the pull-through namespaces.
  std::optional<std::vector<auth::RepositoryPattern>> exempt;

  static imagesync::Schedule default_schedule();
};

// The mapping under `gc`: schedule (cron, "" = off) or interval (a duration), grace (a
// duration), untagged (bool), exempt (repository patterns). Errors name the key.
oci::Result<void> read_gc_config(const YAML::Node& node, const std::string& key, GcConfig& out);

// A subject or a list of them, as auth.access rules name them (a user, group:NAME,
// authenticated).
oci::Result<void> read_admins(const YAML::Node& node, const std::string& key,
                              std::vector<std::string>& out);

// The options of a run as the configuration sets them. Without gc.exempt, the namespaces of
// the pull-through upstreams are exempt (one without a prefix exempts every repository).
registry::GcOptions gc_options(const GcConfig& config,
                               const std::vector<mirror::Upstream>& upstreams);

}  // namespace server
