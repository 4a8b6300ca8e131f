// The `retention:` section of the server's configuration: which tags each repository keeps
// (docs/retention.md). serve's GC runs and `regmirror retention` apply the rules.
#pragma once

#include <string>
#include <vector>

#include "oci/error.h"
#include "registry/retention.h"

namespace YAML {
class Node;
}

namespace server {

struct RetentionConfig {
  // In the order configured: a repository follows the first rule whose repositories match.
  std::vector<registry::RetentionRule> rules;
};

// The mapping under `key`: `rules`, a list of mappings of repositories (a pattern or a list
// of them, required), keep_newest (a count), keep_tags (a regex or a list, matching a whole
// tag), keep_semver (a range), drop_older_than and keep_pulled_within (durations); a rule
// needs at least one of the criteria. Errors name the key: "retention.rules[2].keep_newest".
oci::Result<void> read_retention_config(const YAML::Node& node, const std::string& key,
                                        RetentionConfig& out);

}  // namespace server
