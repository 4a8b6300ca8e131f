#include "openshift/drain_rule.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "nodeconf/config_file_decoder.h"
#include "nodeconf/registries_conf.h"

namespace openshift {
namespace {

using nodeconf::Endpoint;
using nodeconf::Registry;

constexpr std::string_view kRegistriesConf = "etc/containers/registries.conf";
constexpr std::string_view kPolicyJson = "etc/containers/policy.json";
constexpr std::string_view kRegistriesD = "etc/containers/registries.d/";
constexpr std::string_view kDockerCerts = "etc/docker/certs.d/";
constexpr std::string_view kContainersCerts = "etc/containers/certs.d/";

struct Verdict {
  bool safe = true;
  bool fails = false;  // the daemon returns an error instead of a verdict
  std::string why;
};

Verdict unsafe(std::string why) { return {false, false, "registries.conf: " + std::move(why)}; }

// As the daemon decodes it: plain TOML into V2RegistriesConf, prefixes left as written.
struct RawConf {
  std::vector<std::string> search;
  std::map<std::string, Registry> by_scope;  // a later duplicate replaces an earlier one
};

std::optional<RawConf> decode(const std::optional<std::string>& text, std::string& error) {
  auto decoded = nodeconf::decode_config_file(text.value_or(""), kRegistriesConf);
  if (!decoded) {
    error = decoded.error().message;
    return std::nullopt;
  }
  RawConf conf;
  conf.search = decoded->unqualified_search_registries.value_or(std::vector<std::string>{});
  for (Registry& registry : decoded->registries.value_or(std::vector<Registry>{})) {
    std::string scope = registry.prefix.empty() ? registry.endpoint.location : registry.prefix;
    conf.by_scope[std::move(scope)] = std::move(registry);
  }
  return conf;
}

const Endpoint* find_mirror(const std::vector<Endpoint>& mirrors, const std::string& location) {
  auto it = std::ranges::find(mirrors, location, &Endpoint::location);
  return it == mirrors.end() ? nullptr : &*it;
}

bool digest_only(const Endpoint& mirror) {
  return mirror.pull_from_mirror == nodeconf::kPullFromMirrorDigestOnly;
}

// drain.go allDigestOnlyMirror
bool all_digest_only(const Registry& registry) {
  if (registry.mirrors.empty()) return registry.mirror_by_digest_only;
  return std::ranges::all_of(registry.mirrors, digest_only);
}

std::string flag(bool value) { return value ? "true" : "false"; }

Verdict changed_entry(const std::string& scope, const Registry& old, const Registry& now) {
  if (old.prefix != now.prefix) {
    return unsafe(
        fmt::format("prefix of {} changed from \"{}\" to \"{}\"", scope, old.prefix, now.prefix));
  }
  if (old.endpoint.location != now.endpoint.location) {
    return unsafe(fmt::format("location of {} changed from \"{}\" to \"{}\"", scope,
                              old.endpoint.location, now.endpoint.location));
  }
  if (old.blocked != now.blocked) {
    return unsafe(fmt::format("blocked of {} changed from {} to {}", scope, flag(old.blocked),
                              flag(now.blocked)));
  }
  if (old.endpoint.insecure != now.endpoint.insecure) {
    return unsafe(fmt::format("insecure of {} changed from {} to {}", scope,
                              flag(old.endpoint.insecure), flag(now.endpoint.insecure)));
  }
  for (const Endpoint& mirror : old.mirrors) {
    if (!find_mirror(now.mirrors, mirror.location)) {
      return unsafe(fmt::format("mirror {} removed from {}", mirror.location, scope));
    }
  }
  for (const Endpoint& mirror : now.mirrors) {
    const Endpoint* previous = find_mirror(old.mirrors, mirror.location);
    if (previous && previous->pull_from_mirror != mirror.pull_from_mirror && !digest_only(mirror)) {
      return unsafe(fmt::format("pull-from-mirror of mirror {} in {} changed from \"{}\" to \"{}\"",
                                mirror.location, scope, previous->pull_from_mirror,
                                mirror.pull_from_mirror));
    }
    if (!previous && !digest_only(mirror) && !now.mirror_by_digest_only) {
      return unsafe(
          fmt::format("mirror {} added to {} with pull-from-mirror \"{}\", not "
                      "\"digest-only\"",
                      mirror.location, scope, mirror.pull_from_mirror));
    }
  }
  return {};
}

// Why drain.go allDigestOnlyMirror is false for a new entry.
std::string added_entry_problem(const std::string& scope, const Registry& registry) {
  if (registry.mirrors.empty()) {
    return fmt::format("registry {} added without mirrors and without mirror-by-digest-only",
                       scope);
  }
  const Endpoint& mirror = *std::ranges::find_if_not(registry.mirrors, digest_only);
  return fmt::format(
      "registry {} added with mirror {} whose pull-from-mirror is \"{}\", not "
      "\"digest-only\"",
      scope, mirror.location, mirror.pull_from_mirror);
}

// drain.go isSafeContainerRegistryConfChanges
Verdict registries_conf_verdict(const NodeFileChange& change) {
  std::string error;
  auto old = decode(change.before, error);
  if (!old) return {false, true, "registries.conf on the node does not decode: " + error};
  auto now = decode(change.after, error);
  if (!now) return {false, true, "the rendered registries.conf does not decode: " + error};
  if (old->search.size() > now->search.size() ||
      !std::equal(old->search.begin(), old->search.end(), now->search.begin())) {
    return unsafe("an unqualified-search-registries entry removed or reordered");
  }
  for (const auto& [scope, registry] : old->by_scope) {
    if (!now->by_scope.contains(scope)) return unsafe(fmt::format("registry {} removed", scope));
  }
  bool added = false;
  for (const auto& [scope, registry] : now->by_scope) {
    auto previous = old->by_scope.find(scope);
    added = added || previous == old->by_scope.end() ||
            std::ranges::any_of(registry.mirrors, [&](const Endpoint& mirror) {
              return !find_mirror(previous->second.mirrors, mirror.location);
            });
    if (previous == old->by_scope.end()) {
      if (!all_digest_only(registry)) return unsafe(added_entry_problem(scope, registry));
      continue;
    }
    if (previous->second == registry) continue;
    if (Verdict verdict = changed_entry(scope, previous->second, registry); !verdict.safe) {
      return verdict;
    }
  }
  return {true, false,
          added ? "registries.conf: only digest-only mirrors added"
                : "registries.conf: no change the daemon drains for"};
}

std::string_view file_name(std::string_view path) { return path.substr(path.rfind('/') + 1); }

}  // namespace

DrainDecision drain_decision(const std::vector<NodeFileChange>& changes) {
  if (changes.empty()) return {false, false, "no change"};
  std::vector<std::string> notes;
  auto note = [&](std::string text) {
    if (std::ranges::find(notes, text) == notes.end()) notes.push_back(std::move(text));
  };
  std::optional<DrainDecision> reboot;
  const NodeFileChange* registries_conf = nullptr;
  for (const NodeFileChange& change : changes) {
    const std::string_view path = change.path;
    if (path == kRegistriesConf) {
      registries_conf = &change;
    } else if (path == kPolicyJson || path.starts_with(kRegistriesD)) {
      note(fmt::format("{}: CRI-O reload",
                       path.starts_with(kRegistriesD) ? "registries.d" : "policy.json"));
    } else if (path.starts_with(kDockerCerts) || path.starts_with(kContainersCerts)) {
      note("certs.d: written by the daemon, no drain");
    } else if (!reboot) {
      reboot = DrainDecision{
          true, false,
          fmt::format("{}: no node disruption policy, the node reboots", file_name(path))};
    }
  }
  if (reboot) return *reboot;
  if (registries_conf) {
    Verdict verdict = registries_conf_verdict(*registries_conf);
    if (verdict.fails) return {false, true, verdict.why};
    if (!verdict.safe) return {true, false, verdict.why};
    notes.insert(notes.begin(), verdict.why);
  }
  std::string reason;
  for (const std::string& text : notes) reason += (reason.empty() ? "" : "; ") + text;
  return {false, false, reason};
}

}  // namespace openshift
