// Would the machine-config daemon drain a node to apply these node file changes? Its rule as
// of openshift/machine-config-operator master 7ff337a4 (pkg/daemon/drain.go
// isDrainRequiredForNodeDisruptionActions and isSafeContainerRegistryConfChanges, with the
// default node disruption policies of pkg/apihelpers/apihelpers.go):
//   - registries.conf: drained unless every change is "safe": no unqualified-search registry
//     removed or reordered, no registry entry removed, no entry's prefix, location, blocked
//     or insecure changed, no mirror removed, no mirror's pull-from-mirror changed to anything
//     but "digest-only", every added mirror "digest-only" (or in a mirror-by-digest-only
//     entry), every added entry with only digest-only mirrors (or, without mirrors,
//     mirror-by-digest-only). A registries.conf that does not decode fails the update.
//   - policy.json and registries.d/: a CRI-O reload, no drain.
//   - certs.d/<host>/ca.crt: written by the daemon from the ControllerConfig, no drain.
//   - any other file (registries.conf.d/01-image-searchRegistries.conf): no default policy,
//     so a reboot, drained first.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace openshift {

struct NodeFileChange {
  std::string path;                   // relative to the node root: "etc/containers/policy.json"
  std::optional<std::string> before;  // nullopt: not on the node
  std::optional<std::string> after;   // nullopt: would be removed
};

struct DrainDecision {
  bool required = false;
  // The daemon would refuse the update (isSafeContainerRegistryConfChanges returns an error,
  // so the node goes Degraded) rather than drain or not: a registries.conf that does not decode.
  bool fails = false;
  std::string reason;  // "registries.conf: mirror m.example.com removed from quay.io/ns"
};

// `changes` holds only files whose content differs.
DrainDecision drain_decision(const std::vector<NodeFileChange>& changes);

}  // namespace openshift
