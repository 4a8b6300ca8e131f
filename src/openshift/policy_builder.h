// policy.json as the machine-config operator derives it from allowedRegistries /
// blockedRegistries: allowed -> default reject plus insecureAcceptAnything per scope; blocked
// -> default insecureAcceptAnything plus reject per scope; neither -> the base unchanged.
// transports.atomic repeats the docker scopes with fewer than three '/'.
#pragma once

#include <string>
#include <vector>

#include "nodeconf/policy_writer.h"

namespace openshift {

// The caller has checked that at most one of `allowed` and `blocked` is non-empty.
nodeconf::PolicyDocument build_policy(nodeconf::PolicyDocument base,
                                      const std::vector<std::string>& allowed,
                                      const std::vector<std::string>& blocked);

}  // namespace openshift
