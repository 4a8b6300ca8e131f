// The MachineConfig that carries node files to a machine pool, as the MCO's generated
// "99-<role>-generated-registries" does: Ignition 3.2.0 storage.files with base64 data URLs.
#pragma once

#include <map>
#include <string>

namespace openshift {

// `files`: path relative to the node root -> content. `role`: "worker" or "master".
std::string machine_config_yaml(const std::map<std::string, std::string>& files,
                                const std::string& role);

std::string machine_config_name(const std::string& role);

}  // namespace openshift
