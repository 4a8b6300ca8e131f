// signedIdentity / baseLayerIdentity objects (containers/image's PolicyReferenceMatch):
// matchExact, matchRepoDigestOrExact, matchRepository, exactReference, exactRepository,
// remapIdentity. Internal to the policy parser.
#pragma once

#include <string>

#include "nodeconf/policy_json.h"
#include "oci/error.h"

namespace nodeconf::policy_internal {

// Checks the object at `where` as containers/image does when it parses a policy.
oci::Result<void> check_identity(const Json& value, const std::string& where);

}  // namespace nodeconf::policy_internal
