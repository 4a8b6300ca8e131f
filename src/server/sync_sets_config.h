// `mirror.sync` of the server's configuration: the sync sets (sync.yaml files) `regmirror
// serve` runs into its own registry, each on an interval or a cron schedule.
#pragma once

#include <string>
#include <vector>

#include "oci/error.h"
#include "sync/schedule.h"

namespace YAML {
class Node;
}

namespace server {

// A list of mappings with `config` (required), exactly one of `interval` (at least 1s) and
// `schedule` (5-field cron, UTC), and optionally `name` (default: the config file's stem;
// unique) and `prefix` (a repository path the set's repositories go under).
oci::Result<void> read_sync_sets(const YAML::Node& node, const std::string& key,
                                 std::vector<imagesync::ScheduledSet>& out);

}  // namespace server
