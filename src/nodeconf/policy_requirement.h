// Policy requirement lists and objects (insecureAcceptAnything, reject, signedBy,
// sigstoreSigned, signedBaseLayer), checked as containers/image checks them. Internal to the
// policy parser.
#pragma once

#include <string>
#include <vector>

#include "nodeconf/policy.h"
#include "nodeconf/policy_json.h"
#include "oci/error.h"

namespace nodeconf::policy_internal {

// A non-empty JSON array of requirement objects.
oci::Result<std::vector<PolicyRequirement>> parse_requirements(const Json& value,
                                                               const std::string& where);

}  // namespace nodeconf::policy_internal
