#include "nodeconf/transport_view.h"

#include <algorithm>

#include "nodeconf/prefix_match.h"

namespace nodeconf {
namespace {

constexpr std::string_view kTagAndDigest =
    "Docker references with both a tag and digest are currently not supported";

// docker.NewReference's checks.
std::optional<std::string> docker_reference_error(const oci::Reference& ref) {
  if (ref.is_name_only()) {
    return "Docker reference " + ref.familiar_str() + " has neither a tag nor a digest";
  }
  if (ref.has_tag() && ref.has_digest()) return std::string(kTagAndDigest);
  return std::nullopt;
}

TransportAttempt check_attempt(const RegistriesConf& conf, PullSource source) {
  TransportAttempt attempt{std::move(source), std::nullopt, std::nullopt};
  if (auto error = docker_reference_error(attempt.source.reference)) {
    attempt.error = std::move(error);
  } else if (const Registry* physical =
                 find_registry(conf.registries, attempt.source.reference.name());
             physical && physical->blocked) {
    attempt.blocked_by = physical->prefix;
    attempt.error = "registry " + physical->prefix + " is blocked in " + conf.sources.file +
                    " or " + conf.sources.dropin_dir;
  }
  return attempt;
}

}  // namespace

bool TransportView::has_usable_attempt() const {
  return !error && std::ranges::any_of(attempts, [](const auto& a) { return !a.error; });
}

TransportView transport_view(const oci::Result<RegistriesConf>& conf, std::string_view input) {
  TransportView view;
  auto parsed = oci::Reference::parse_normalized(input);
  if (!parsed) {
    view.error = parsed.error().message;
    return view;
  }
  const oci::Reference logical = parsed->with_default_tag();
  if (auto error = docker_reference_error(logical)) {
    view.error = std::move(error);
    return view;
  }
  view.reference = logical;
  if (!conf) {
    view.error = "loading registries configuration: " + conf.error().message;
    return view;
  }
  const Registry* matched = find_registry(conf->registries, logical.name());
  // Without a matching entry the transport uses an implicit one for the reference itself.
  Registry implicit;
  implicit.prefix = logical.str();
  implicit.endpoint.location = logical.str();
  auto sources = pull_sources(matched ? *matched : implicit, logical);
  if (!sources) {
    view.error = sources.error().message;
    return view;
  }
  for (PullSource& source : *sources)
    view.attempts.push_back(check_attempt(*conf, std::move(source)));
  return view;
}

}  // namespace nodeconf
