// What a node reads to pull, from a node root directory (a real node's "/", or the files
// `regmirror render` wrote): etc/containers/registries.conf (+ registries.conf.d),
// etc/containers/policy.json (optional), etc/containers/registries.d (signature storage; a
// missing directory is an empty one), the certs.d directories, and the pull secret
// var/lib/kubelet/config.json (when no other is given).
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "nodeconf/policy.h"
#include "nodeconf/registries_conf.h"
#include "nodeconf/registries_d.h"
#include "oci/error.h"

namespace verify {

struct NodeRoot {
  oci::Result<nodeconf::RegistriesConf> registries_conf =
      oci::fail(oci::ErrorCode::kNotFound, "not loaded");
  std::optional<nodeconf::Policy> policy;
  nodeconf::RegistriesD registries_d;
  std::vector<std::filesystem::path> certs_d_roots;
  std::optional<std::filesystem::path> pull_secret;
};

// Errors: a registries.conf, policy.json or registries.d that does not load, a pull secret that
// does not exist. A missing registries.conf is an empty one (as podman reads the system's).
oci::Result<NodeRoot> load_node_root(const std::filesystem::path& root,
                                     std::optional<std::filesystem::path> pull_secret);

}  // namespace verify
