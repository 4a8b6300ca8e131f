// The OpenShift objects the machine-config operator renders node files from, as read from
// YAML: only the fields that reach a node.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace openshift {

enum class MirrorSourcePolicy { kUnset, kAllowContactingSource, kNeverContactSource };

// One spec.repositoryDigestMirrors / imageDigestMirrors / imageTagMirrors entry.
struct MirrorEntry {
  std::string source;
  std::vector<std::string> mirrors;
  MirrorSourcePolicy policy = MirrorSourcePolicy::kUnset;
  std::string where;  // `ImageDigestMirrorSet "name" spec.imageDigestMirrors[0]`, for errors
};

// An ImageContentSourcePolicy, ImageDigestMirrorSet or ImageTagMirrorSet.
struct MirrorSet {
  std::string kind;
  std::string name;
  std::vector<MirrorEntry> entries;
};

// image.config.openshift.io/cluster
struct ImageConfig {
  std::string name;
  std::vector<std::string> allowed_registries;
  std::vector<std::string> blocked_registries;
  // nullopt when absent or null. The MCO tests the Go slice for nil: `insecureRegistries: []`
  // is a non-nil empty slice after decoding, and makes it re-encode registries.conf. (Blocked
  // and allowed lists reach it through append, where [] becomes nil; the API refuses an empty
  // containerRuntimeSearchRegistries, MinItems=1.)
  std::optional<std::vector<std::string>> insecure_registries;
  std::vector<std::string> search_registries;  // containerRuntimeSearchRegistries
  std::string additional_trusted_ca;           // a ConfigMap name in openshift-config
};

struct ConfigMap {
  std::string name;
  std::string namespace_name;
  std::map<std::string, std::string> data;
  std::map<std::string, std::string> binary_data;  // base64 values
};

struct ClusterObjects {
  std::optional<ImageConfig> image;
  std::vector<MirrorSet> digest_sets;  // ICSPs and IDMSs: one digest pool
  std::vector<MirrorSet> tag_sets;     // ITMSs
  std::vector<ConfigMap> config_maps;
  std::vector<std::string> warnings;  // unknown kinds skipped
};

}  // namespace openshift
