// The MCO never blocks the release payload outright (getValidBlockedAndAllowedRegistries):
// a blocked scope containing the payload repository is left out, with one error listing
// such scopes, unless a digest mirror outside every blocked scope serves the payload. When
// one does, the scope stays blocked in registries.conf, stays out of policy.json only when
// it is exactly the payload repository, and the payload repository is accepted in policy.json,
// so the mirrors can still be used.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "openshift/mirror_rules.h"

namespace openshift {

struct GuardedScopes {
  std::vector<std::string> registries_blocked;  // for registries.conf
  std::vector<std::string> policy_blocked;      // for policy.json
  // The payload repository, accepted in policy.json when a blocked scope holding it stays.
  std::vector<std::string> policy_allowed;
  std::string warning;  // the MCO's error, "" when nothing was dropped
};

// `payload_repo` "" = no payload to protect.
GuardedScopes guard_payload(const std::vector<std::string>& blocked,
                            const std::string& payload_repo,
                            const std::map<std::string, SourceMirrors>& mirrors);

}  // namespace openshift
