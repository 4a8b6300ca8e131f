// The YAML files `regmirror render -f` names: files as given, directories as their *.yaml,
// *.yml and *.json files in name order (not recursive).
#pragma once

#include <string>
#include <vector>

#include "oci/error.h"
#include "openshift/cluster_objects.h"

namespace cli {

oci::Result<openshift::ClusterObjects> read_render_inputs(const std::vector<std::string>& paths);

// A whole file of at most nodeconf::kMaxConfigFileBytes; a FIFO or device is refused.
oci::Result<std::string> read_text_file(const std::string& path);

}  // namespace cli
