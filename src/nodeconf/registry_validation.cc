#include "nodeconf/registry_validation.h"

#include <algorithm>
#include <map>
#include <set>

#include "nodeconf/go_quote.h"

namespace nodeconf {
namespace {

std::unexpected<oci::Error> invalid(std::string message) {
  return oci::fail(oci::ErrorCode::kInternal, std::move(message));
}

bool is_known_pull_from_mirror(std::string_view value) {
  return value.empty() || value == kPullFromMirrorAll || value == kPullFromMirrorDigestOnly ||
         value == kPullFromMirrorTagOnly;
}

oci::Result<void> normalize_mirror(const Registry& registry, Endpoint& mirror) {
  auto location = parse_location(mirror.location);
  if (!location) return std::unexpected(location.error());
  mirror.location = std::move(*location);
  if (mirror.location.empty()) return invalid("invalid condition: mirror location is unset");
  if (registry.mirror_by_digest_only && !mirror.pull_from_mirror.empty()) {
    return invalid("cannot set mirror usage mirror-by-digest-only for the registry (" +
                   go_quote(registry.prefix) + ") and pull-from-mirror for per-mirror (" +
                   go_quote(mirror.location) + ") at the same time");
  }
  if (!is_known_pull_from_mirror(mirror.pull_from_mirror)) {
    return invalid("unsupported pull-from-mirror value " + go_quote(mirror.pull_from_mirror) +
                   " for mirror " + go_quote(mirror.location));
  }
  return {};
}

oci::Result<void> normalize_registry(Registry& registry) {
  auto location = parse_location(registry.endpoint.location);
  if (!location) return std::unexpected(location.error());
  registry.endpoint.location = std::move(*location);
  if (registry.prefix.empty()) {
    if (registry.endpoint.location.empty()) {
      return invalid("invalid condition: both location and prefix are unset");
    }
    registry.prefix = registry.endpoint.location;
  } else {
    auto prefix = parse_location(registry.prefix);
    if (!prefix) return std::unexpected(prefix.error());
    registry.prefix = std::move(*prefix);
    if (!registry.prefix.starts_with("*.") && registry.endpoint.location.empty()) {
      return invalid(
          "invalid condition: location is unset and prefix is not in the format: *.example.com");
    }
  }
  if (!registry.endpoint.pull_from_mirror.empty()) {
    return invalid("pull-from-mirror must not be set for a non-mirror registry " +
                   go_quote(registry.prefix));
  }
  for (Endpoint& mirror : registry.mirrors) {
    if (auto ok = normalize_mirror(registry, mirror); !ok) return ok;
  }
  return {};
}

// Entries naming the same location (or, without one, the same prefix) must agree on
// insecure and blocked. The message names the location even when it is empty.
oci::Result<void> check_conflicts(const std::vector<Registry>& registries) {
  std::map<std::string_view, std::vector<const Registry*>> by_location;
  auto key_of = [](const Registry& r) -> std::string_view {
    return r.endpoint.location.empty() ? r.prefix : r.endpoint.location;
  };
  for (const Registry& registry : registries) by_location[key_of(registry)].push_back(&registry);
  for (const Registry& registry : registries) {
    for (const Registry* other : by_location[key_of(registry)]) {
      if (registry.endpoint.insecure != other->endpoint.insecure) {
        return invalid("registry '" + registry.endpoint.location +
                       "' is defined multiple times with conflicting 'insecure' setting");
      }
      if (registry.blocked != other->blocked) {
        return invalid("registry '" + registry.endpoint.location +
                       "' is defined multiple times with conflicting 'blocked' setting");
      }
    }
  }
  return {};
}

oci::Result<void> normalize_search_registries(std::vector<std::string>& search_registries) {
  for (std::string& entry : search_registries) {
    auto location = parse_location(entry);
    if (!location) return std::unexpected(location.error());
    if (!oci::is_valid_reference_domain(*location)) {
      return invalid("Invalid unqualified-search-registries entry " + go_quote(*location));
    }
    entry = std::move(*location);
  }
  return {};
}

// The first entry of each prefix survives; later ones with the same prefix could never match.
void keep_first_per_prefix_sorted(std::vector<Registry>& registries) {
  std::set<std::string, std::less<>> seen;
  std::vector<Registry> unique;
  for (Registry& registry : registries) {
    if (seen.insert(registry.prefix).second) unique.push_back(std::move(registry));
  }
  std::ranges::sort(unique, {}, &Registry::prefix);
  registries = std::move(unique);
}

}  // namespace

oci::Result<std::string> parse_location(std::string_view input) {
  std::string_view trimmed = input;
  while (trimmed.ends_with('/')) trimmed.remove_suffix(1);
  if (trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
    return invalid("invalid location '" + std::string(input) + "': URI schemes are not supported");
  }
  return std::string(trimmed);
}

oci::Result<void> validate_registries(std::vector<Registry>& registries,
                                      std::optional<std::vector<std::string>>& search_registries) {
  for (Registry& registry : registries) {
    if (auto ok = normalize_registry(registry); !ok) return ok;
  }
  if (auto ok = check_conflicts(registries); !ok) return ok;
  if (search_registries) {
    if (auto ok = normalize_search_registries(*search_registries); !ok) return ok;
  }
  keep_first_per_prefix_sorted(registries);
  return {};
}

oci::Result<void> validate_wildcard_prefixes(const std::vector<Registry>& registries) {
  for (const Registry& registry : registries) {
    if (registry.prefix.starts_with("*.") &&
        registry.prefix.find_first_of("/@:") != std::string::npos) {
      return invalid("Wildcarded prefix should be in the format: *.example.com. Current prefix " +
                     go_quote(registry.prefix) + " is incorrectly formatted");
    }
  }
  return {};
}

}  // namespace nodeconf
