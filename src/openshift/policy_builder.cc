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
  const bool allow_list = !allowed.empty();
  base.default_requirements = {allow_list ? kReject : kAccept};
  nodeconf::PolicyScopes& docker = base.transports["docker"];
  for (const std::string& scope : allow_list ? allowed : blocked) {
    docker[scope] = {allow_list ? kAccept : kReject};
  }
  nodeconf::PolicyScopes& atomic = base.transports["atomic"];
  for (const auto& [scope, requirements] : docker) {
    if (std::ranges::count(scope, '/') < 3) atomic[scope] = requirements;
  }
  return base;
}

}  // namespace openshift
