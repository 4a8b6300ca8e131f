// containers-policy.json(5): which images a node may pull, as containers/image decides it.
// Parsing is as strict as containers/image's (unknown or duplicated keys, wrong types and
// invalid requirements reject the whole file). Evaluation covers the docker transport and
// does not look at signatures: evaluate_docker picks the requirements that apply and says
// whether they need signatures (kRequiresSignature); nodeconf/policy_check.h checks those
// requirements against an image's signatures.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/error.h"

namespace nodeconf {

enum class PolicyVerdict { kAccept, kReject, kRequiresSignature };

struct PolicyRequirement {
  // insecureAcceptAnything, reject, signedBy, sigstoreSigned or signedBaseLayer
  std::string type;
  nlohmann::json raw;  // the requirement object as written, already validated
};

struct PolicyDecision {
  PolicyVerdict verdict;
  std::string scope;   // the matched docker scope; "" when a default applied
  std::string reason;  // one readable line
  std::vector<PolicyRequirement> requirements;
};

class Policy {
 public:
  // `source_name` only labels errors ("invalid policy in <source_name>: ...").
  static oci::Result<Policy> parse(std::string_view json, std::string_view source_name);

  // `normalized_reference` as containers/image normalizes it:
  // "docker.io/library/busybox:latest", "quay.io/a/b@sha256:...",
  // "host:5000/ns/repo:tag@sha256:..." (the tag is ignored when a digest is present, as
  // podman and CRI-O drop it), a bare name counts as ":latest".
  PolicyDecision evaluate_docker(std::string_view normalized_reference) const;

 private:
  using Requirements = std::vector<PolicyRequirement>;
  Requirements default_;
  std::map<std::string, Requirements, std::less<>> docker_scopes_;  // "" = transport default
};

oci::Result<Policy> load_policy(const std::filesystem::path& file);

}  // namespace nodeconf
