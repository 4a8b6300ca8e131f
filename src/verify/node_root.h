// What a node reads to pull, from a node root directory (a real node's "/", or the files
// `regmirror render` wrote): etc/containers/registries.conf (+ registries.conf.d),
// etc/containers/policy.json (required, as CRI-O and podman require it),
// etc/containers/registries.d (signature storage; a missing directory is an empty one), the certs.d
// directories, and the pull secret var/lib/kubelet/config.json (when no other is given).
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
  std::optional<nodeconf::Policy> policy;  // set whenever load_node_root succeeds
  nodeconf::RegistriesD registries_d;
  std::vector<std::filesystem::path> certs_d_roots;
  std::optional<std::filesystem::path> pull_secret;
};

// `pull_secret` and `policy` replace the root's files when given. Errors: a registries.conf,
// policy.json or registries.d that does not load, a policy.json or pull secret that does not
// exist. A missing registries.conf is an empty one (as podman reads the system's).
oci::Result<NodeRoot> load_node_root(const std::filesystem::path& root,
                                     std::optional<std::filesystem::path> pull_secret,
                                     std::optional<std::filesystem::path> policy);

}  // namespace verify
