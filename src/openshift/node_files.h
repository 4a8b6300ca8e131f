// Cluster objects -> the files the machine-config operator puts on a node, validated.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "oci/error.h"
#include "openshift/cluster_objects.h"
#include "openshift/mco_release.h"

namespace openshift {

struct RenderOptions {
  // The node's registries.conf before the MCO edits it; nullopt = the MCO's template.
  std::optional<std::string> base_registries_conf;
  std::string base_registries_conf_name;  // labels its errors
  bool legacy_icsp = false;
  std::string payload_repo;  // "" = no payload protection
  McoRelease mco_release;    // whose encoders' layout to write
};

inline constexpr std::string_view kRegistriesConfPath = "etc/containers/registries.conf";
inline constexpr std::string_view kPolicyJsonPath = "etc/containers/policy.json";
inline constexpr std::string_view kSearchRegistriesPath =
    "etc/containers/registries.conf.d/01-image-searchRegistries.conf";

struct NodeFiles {
  std::map<std::string, std::string> files;  // path relative to the node root -> content
  std::vector<std::string> warnings;
  // What the MCO's generated 99-<role>-generated-registries MachineConfig carries: only the
  // files it regenerates (createNewIgnition skips the others, which stay as the base
  // MachineConfig wrote them); CAs reach nodes through the ControllerConfig instead.
  std::set<std::string> machine_config_paths;
  // Written for podman, skopeo and CRI-O's own lookup, not by the MCO: the
  // etc/containers/certs.d copies of the CAs (the daemon writes only etc/docker/certs.d).
  std::set<std::string> not_written_by_mco;
};

oci::Result<NodeFiles> render_node_files(const ClusterObjects& objects,
                                         const RenderOptions& options);

}  // namespace openshift
