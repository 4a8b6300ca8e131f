// Writes policy.json as the machine-config operator does (Go's json.Marshal of
// containers/image's signature.Policy; json.MarshalIndent with two spaces since MCO 4.17):
// object keys sorted, `<`, `>` and `&` escaped as \u003c, \u003e and \u0026.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nodeconf {

using PolicyRequirements = std::vector<nlohmann::json>;  // each {"type": ..., ...}
using PolicyScopes = std::map<std::string, PolicyRequirements>;

struct PolicyDocument {
  PolicyRequirements default_requirements;
  std::map<std::string, PolicyScopes> transports;  // "docker", "atomic", "docker-daemon", ...
};

// The policy.json the MCO's templates put on every node before any image config.
PolicyDocument default_node_policy();

PolicyDocument policy_document_from_json(const nlohmann::json& policy);
enum class JsonLayout { kCompact, kIndented };

std::string write_policy_json(const PolicyDocument& document,
                              JsonLayout layout = JsonLayout::kCompact);

}  // namespace nodeconf
