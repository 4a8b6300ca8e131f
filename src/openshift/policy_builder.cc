#include "openshift/policy_builder.h"

#include <algorithm>

namespace openshift {
namespace {

const nlohmann::json kAccept = {{"type", "insecureAcceptAnything"}};
const nlohmann::json kReject = {{"type", "reject"}};

}  // namespace

nodeconf::PolicyDocument build_policy(nodeconf::PolicyDocument base,
                                      const std::vector<std::string>& allowed,
                                      const std::vector<std::string>& blocked) {
  if (allowed.empty() && blocked.empty()) return base;
  // As the MCO's updatePolicyJSON: allowed scopes first, then blocked ones, whose default wins
  // (both are set only when the payload repository is allowed beside blocked scopes).
  nodeconf::PolicyScopes docker;
  if (!allowed.empty()) {
    base.default_requirements = {kReject};
    for (const std::string& scope : allowed) docker[scope] = {kAccept};
  }
  if (!blocked.empty()) {
    base.default_requirements = {kAccept};
    for (const std::string& scope : blocked) docker[scope] = {kReject};
  }
  nodeconf::PolicyScopes atomic;
  for (const auto& [scope, requirements] : docker) {
    if (std::ranges::count(scope, '/') < 3) atomic[scope] = requirements;
  }
  base.transports["docker"] = std::move(docker);
  base.transports["atomic"] = std::move(atomic);
  return base;
}

}  // namespace openshift
