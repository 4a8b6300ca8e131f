#include "nodeconf/policy.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "nodeconf/policy_json.h"
#include "nodeconf/policy_requirement.h"
#include "nodeconf/policy_scope.h"

namespace nodeconf {
namespace {

using policy_internal::Json;
using DockerScopes = std::map<std::string, std::vector<PolicyRequirement>, std::less<>>;

// Far above any real policy; stops a wrong path (a device, a huge log) from being read whole.
constexpr std::size_t kMaxPolicyBytes = std::size_t{16} << 20;

oci::Result<void> read_transports(const Json& value, const std::string& where,
                                  DockerScopes& docker_scopes) {
  using namespace policy_internal;
  if (auto ok = expect_object(value, where); !ok) return ok;
  for (const auto& [transport, scopes] : value.items()) {
    const std::string transport_where = member_path(where, transport);
    if (auto ok = expect_object(scopes, transport_where); !ok) return ok;
    for (const auto& [scope, requirements] : scopes.items()) {
      if (!scope.empty()) {
        if (auto ok = validate_scope(transport, scope); !ok) {
          return error_at(transport_where,
                          "invalid scope " + in_quotes(scope) + ": " + ok.error().message);
        }
      }
      auto parsed = parse_requirements(requirements, member_path(transport_where, scope));
      if (!parsed) return std::unexpected(parsed.error());
      if (transport == "docker") docker_scopes.emplace(scope, std::move(*parsed));
    }
  }
  return {};
}

// What one requirement does to an image whose signatures nobody has checked.
PolicyVerdict verdict_of(const PolicyRequirement& requirement) {
  if (requirement.type == "insecureAcceptAnything") return PolicyVerdict::kAccept;
  if (requirement.type == "sigstoreSigned") return PolicyVerdict::kRequiresSignature;
  // containers/image verifies only GPGKeys and rejects every signature for the other key types.
  if (requirement.type == "signedBy" && requirement.raw.value("keyType", "") == "GPGKeys") {
    return PolicyVerdict::kRequiresSignature;
  }
  // reject, signedBaseLayer (never implemented upstream: it rejects every image), and signedBy
  // with an unimplemented keyType.
  return PolicyVerdict::kReject;
}

std::string why_rejected(const PolicyRequirement& requirement) {
  if (requirement.type == "reject") return "\"reject\" rejects every image";
  if (requirement.type == "signedBy") {
    return "signedBy with keyType " +
           policy_internal::in_quotes(requirement.raw.value("keyType", "")) +
           " rejects every image (containers/image verifies only GPGKeys)";
  }
  return "\"" + requirement.type +
         "\" rejects every image (containers/image does not implement it)";
}

std::string signatures_required(const std::vector<PolicyRequirement>& requirements) {
  std::string types;
  for (const PolicyRequirement& requirement : requirements) {
    if (verdict_of(requirement) != PolicyVerdict::kRequiresSignature) continue;
    if (!types.empty()) types += " and ";
    types += requirement.type;
  }
  return "requires signatures accepted by " + types;
}

PolicyDecision decide(const std::vector<PolicyRequirement>& requirements, std::string scope,
                      std::string_view applies) {
  // Every requirement must allow the image, so one that always rejects decides.
  const auto rejecting = std::ranges::find(requirements, PolicyVerdict::kReject, verdict_of);
  PolicyDecision decision{PolicyVerdict::kAccept, std::move(scope), std::string(applies) + ": ",
                          requirements};
  if (requirements.empty()) {  // only in a default-constructed Policy; upstream rejects too
    decision.verdict = PolicyVerdict::kReject;
    decision.reason += "no requirements, which rejects every image";
  } else if (rejecting != requirements.end()) {
    decision.verdict = PolicyVerdict::kReject;
    decision.reason += why_rejected(*rejecting);
  } else if (std::ranges::any_of(requirements, [](const PolicyRequirement& requirement) {
               return verdict_of(requirement) == PolicyVerdict::kRequiresSignature;
             })) {
    decision.verdict = PolicyVerdict::kRequiresSignature;
    decision.reason += signatures_required(requirements);
  } else {
    decision.reason += "insecureAcceptAnything accepts any image";
  }
  return decision;
}

}  // namespace

oci::Result<Policy> Policy::parse(std::string_view text, std::string_view source_name) {
  using namespace policy_internal;
  const auto in_source = [source_name](const oci::Error& error) {
    return oci::fail(error.code,
                     "invalid policy in " + in_quotes(source_name) + ": " + error.message);
  };
  const auto root = parse_strict_json(text);
  if (!root) return in_source(root.error());

  Policy policy;
  bool has_default = false;
  const MemberReader read_default = [&](const Json& value, const std::string& where) {
    auto requirements = parse_requirements(value, where);
    if (!requirements) return oci::Result<void>(std::unexpected(requirements.error()));
    policy.default_ = std::move(*requirements);
    has_default = true;
    return oci::Result<void>();
  };
  const MemberReader read_transports_section = [&](const Json& value, const std::string& where) {
    return read_transports(value, where, policy.docker_scopes_);
  };
  if (auto ok = read_object(*root, "",
                            {{"default", read_default}, {"transports", read_transports_section}});
      !ok) {
    return in_source(ok.error());
  }
  if (!has_default) {
    return in_source(oci::Error{oci::ErrorCode::kInternal, "default policy is missing"});
  }
  return policy;
}

PolicyDecision Policy::evaluate_docker(std::string_view normalized_reference) const {
  using policy_internal::in_quotes;
  for (const std::string& scope : policy_internal::docker_scopes_for(normalized_reference)) {
    if (const auto found = docker_scopes_.find(scope); found != docker_scopes_.end()) {
      return decide(found->second, scope, "docker scope " + in_quotes(scope) + " applies");
    }
  }
  if (const auto found = docker_scopes_.find(""); found != docker_scopes_.end()) {
    return decide(found->second, "",
                  "no docker scope matches; the transports.docker default \"\" applies");
  }
  return decide(default_, "", "no docker scope matches; the global default applies");
}

oci::Result<Policy> load_policy(const std::filesystem::path& file) {
  using policy_internal::in_quotes;
  const std::string name = file.string();
  std::error_code error;
  if (std::filesystem::is_directory(file, error)) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "cannot read policy " + in_quotes(name) + ": is a directory");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "cannot read policy " + in_quotes(name) + ": " + std::strerror(errno));
  }
  std::string text;
  std::array<char, 64 << 10> buffer;
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxPolicyBytes) {
      return oci::fail(oci::ErrorCode::kInternal,
                       "invalid policy in " + in_quotes(name) + ": larger than " +
                           std::to_string(kMaxPolicyBytes >> 20) + " MiB");
    }
  }
  if (in.bad()) {
    return oci::fail(oci::ErrorCode::kInternal, "cannot read policy " + in_quotes(name));
  }
  return Policy::parse(text, name);
}

}  // namespace nodeconf
