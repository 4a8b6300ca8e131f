#include "cli/resolution_json.h"

#include <optional>
#include <string>

namespace cli {
namespace {

using nlohmann::ordered_json;

ordered_json nullable(const std::optional<std::string>& text) {
  return text ? ordered_json(*text) : ordered_json(nullptr);
}

ordered_json nullable(const std::optional<oci::Reference>& ref) {
  return ref ? ordered_json(ref->str()) : ordered_json(nullptr);
}

ordered_json registry_json(const nodeconf::Registry& registry) {
  ordered_json mirrors = ordered_json::array();
  for (const nodeconf::Endpoint& mirror : registry.mirrors) {
    mirrors.push_back({{"location", mirror.location},
                       {"insecure", mirror.insecure},
                       {"pull_from_mirror", mirror.pull_from_mirror}});
  }
  return {{"prefix", registry.prefix},
          {"location", registry.endpoint.location},
          {"insecure", registry.endpoint.insecure},
          {"blocked", registry.blocked},
          {"mirror_by_digest_only", registry.mirror_by_digest_only},
          {"mirrors", std::move(mirrors)}};
}

ordered_json source_json(const nodeconf::PullSource& source) {
  return {{"location", source.endpoint.location},
          {"insecure", source.endpoint.insecure},
          {"mirror", source.mirror},
          {"reference", source.reference.str()}};
}

ordered_json transport_json(const nodeconf::TransportView& transport) {
  ordered_json attempts = ordered_json::array();
  for (const nodeconf::TransportAttempt& attempt : transport.attempts) {
    ordered_json json = source_json(attempt.source);
    json["error"] = nullable(attempt.error);
    json["blocked"] = attempt.blocked_by.has_value();
    attempts.push_back(std::move(json));
  }
  return {{"reference", nullable(transport.reference)},
          {"error", nullable(transport.error)},
          {"attempts", std::move(attempts)}};
}

std::string_view rationale_name(nodeconf::ShortNameRationale rationale) {
  switch (rationale) {
    case nodeconf::ShortNameRationale::kAlias:
      return "alias";
    case nodeconf::ShortNameRationale::kUnqualifiedSearch:
      return "unqualified-search-registries";
    case nodeconf::ShortNameRationale::kNotShortName:
      break;
  }
  return "fully-qualified";
}

ordered_json short_name_json(const nodeconf::ShortNameView& view) {
  ordered_json candidates = ordered_json::array();
  for (const oci::Reference& candidate : view.candidates) candidates.push_back(candidate.str());
  return {{"is_short_name", view.is_short_name},
          {"candidates", std::move(candidates)},
          {"error", nullable(view.error)},
          {"resolved_by", rationale_name(view.rationale)},
          {"origin", view.origin}};
}

std::string_view verdict_name(nodeconf::PolicyVerdict verdict) {
  switch (verdict) {
    case nodeconf::PolicyVerdict::kAccept:
      return "accept";
    case nodeconf::PolicyVerdict::kReject:
      return "reject";
    case nodeconf::PolicyVerdict::kRequiresSignature:
      return "requires-signature";
  }
  return "reject";
}

ordered_json policy_json(const std::optional<nodeconf::PolicyDecision>& decision) {
  if (!decision) return nullptr;
  ordered_json requirements = ordered_json::array();
  for (const nodeconf::PolicyRequirement& requirement : decision->requirements) {
    requirements.push_back(ordered_json(requirement.raw));
  }
  return {{"verdict", verdict_name(decision->verdict)},
          {"scope", decision->scope},
          {"reason", decision->reason},
          {"requirements", std::move(requirements)}};
}

}  // namespace

ordered_json resolution_json(const nodeconf::Resolution& resolution) {
  const nodeconf::LibraryView& library = resolution.library;
  ordered_json sources = ordered_json::array();
  for (const nodeconf::PullSource& source : library.pull_sources) {
    sources.push_back(source_json(source));
  }
  ordered_json mirrors = ordered_json::array();
  for (const nodeconf::MirrorDecision& decision : library.mirrors) {
    mirrors.push_back({{"location", decision.mirror.location},
                       {"insecure", decision.mirror.insecure},
                       {"used", decision.used},
                       {"reason", decision.reason}});
  }
  return {{"input", resolution.input},
          {"reference", nullable(library.reference)},
          {"error", nullable(library.error)},
          {"registry", library.registry ? registry_json(*library.registry) : nullptr},
          {"blocked", library.blocked},
          {"pull_sources", std::move(sources)},
          {"mirrors", std::move(mirrors)},
          {"transport", transport_json(resolution.transport)},
          {"short_name", short_name_json(resolution.short_name)},
          {"policy", policy_json(resolution.policy)},
          {"pullable", resolution.pullable()}};
}

}  // namespace cli
