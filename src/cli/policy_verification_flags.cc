#include "cli/policy_verification_flags.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "transfer/image_signatures.h"
#include "transfer/policy_verification.h"

namespace cli {

namespace {

// `user` under $HOME when it exists (whatever it is: containers/image only stats it), else
// `system`.
std::string user_or_system(std::string_view user, std::string_view system) {
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') {
    std::filesystem::path path = std::filesystem::path(home) / user;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return path.string();
  }
  return std::string(system);
}

}  // namespace

std::string default_policy_path() {
  return user_or_system(".config/containers/policy.json", "/etc/containers/policy.json");
}

std::string default_registries_d_dir() {
  return user_or_system(".config/containers/registries.d", nodeconf::kDefaultRegistriesDDir);
}

void add_registries_d_flag(CLI::App& command, std::string& dir) {
  dir = default_registries_d_dir();
  command.add_option("--registries.d", dir,
                     "registries.d directory: lookaside and use-sigstore-attachments per "
                     "registry (default $HOME/.config/containers/registries.d if it exists, "
                     "else /etc/containers/registries.d)");
}

transfer::ServedManifestCheck policy_check_hook(const nodeconf::PolicyDecision& decision,
                                                std::string logical_reference,
                                                const nodeconf::RegistriesD& registries_d,
                                                const transfer::AccessOptions& access) {
  return [&decision, logical_reference = std::move(logical_reference), &registries_d, &access](
             transfer::ImageStore& source, const transfer::SourceRepository& served_by,
             const client::FetchedManifest& manifest) -> oci::Result<void> {
    const transfer::ImageUnderCheck image{
        source, transfer::registries_d_identity(served_by.location, logical_reference), manifest,
        logical_reference};
    auto checked = transfer::check_image_policy(decision, image, registries_d, access);
    if (!checked) {
      return oci::fail(checked.error().code, "cannot check the signatures of " + logical_reference +
                                                 " (" + manifest.digest.str() +
                                                 "): " + checked.error().message);
    }
    if (!checked->allowed) {
      return oci::fail(oci::ErrorCode::kDenied, "refused by policy.json (" + manifest.digest.str() +
                                                    " from " + served_by.location +
                                                    "): " + checked->reason);
    }
    return {};
  };
}

std::string verification_text(const VerifiedImage& image) {
  std::string text;
  auto out = std::back_inserter(text);
  if (!image.check) {
    fmt::format_to(out, "  verify: cannot check: {}\n", image.check.error().message);
    return text;
  }
  fmt::format_to(out, "  verify: {}{}{}\n", image.digest.empty() ? "" : image.digest,
                 image.source.empty() ? "" : " from ", image.source);
  const auto& results = image.check->results;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const nodeconf::RequirementResult& result = results[i];
    fmt::format_to(out, "    {}. {}: {}: {}\n", i + 1, result.requirement.type,
                   result.satisfied
                       ? std::string("satisfied")
                       : fmt::format("not satisfied ({})", nodeconf::refusal_name(result.refusal)),
                   result.reason);
  }
  fmt::format_to(out, "  => signatures: {}\n", image.check->allowed ? "accepted" : "refused");
  return text;
}

nlohmann::ordered_json verification_json(const VerifiedImage& image) {
  using nlohmann::ordered_json;
  ordered_json json{
      {"reference", image.reference},
      {"source", image.source.empty() ? ordered_json(nullptr) : ordered_json(image.source)},
      {"digest", image.digest.empty() ? ordered_json(nullptr) : ordered_json(image.digest)}};
  if (!image.check) {
    json["allowed"] = false;
    json["reason"] = nullptr;
    json["error"] = image.check.error().message;
    json["requirements"] = ordered_json::array();
    return json;
  }
  json["allowed"] = image.check->allowed;
  json["reason"] = image.check->reason;
  json["error"] = nullptr;
  ordered_json requirements = ordered_json::array();
  for (const nodeconf::RequirementResult& result : image.check->results) {
    requirements.push_back(
        {{"type", result.requirement.type},
         {"satisfied", result.satisfied},
         {"refusal", result.satisfied ? ordered_json(nullptr)
                                      : ordered_json(nodeconf::refusal_name(result.refusal))},
         {"reason", result.reason}});
  }
  json["requirements"] = std::move(requirements);
  return json;
}

}  // namespace cli
