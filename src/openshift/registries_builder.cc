#include "openshift/registries_builder.h"

#include <fmt/format.h>

#include "openshift/scope.h"

namespace openshift {
namespace {

using nodeconf::Endpoint;
using nodeconf::Registry;

// runtime-utils' registryScope: the prefix when set, else the location.
std::string_view scope_of(const Registry& registry) {
  return registry.prefix.empty() ? registry.endpoint.location : registry.prefix;
}

// runtime-utils' getRegistryEntry: the entry whose scope is `scope`, appended when missing.
// The reference is valid until the next call.
Registry& entry_for(std::vector<Registry>& registries, const std::string& scope) {
  for (Registry& registry : registries) {
    if (scope_of(registry) == scope) return registry;
  }
  Registry created;
  if (scope.starts_with("*.")) {
    created.prefix = scope;
  } else {
    created.endpoint.location = scope;
  }
  registries.push_back(std::move(created));
  return registries.back();
}

struct MirrorPass {
  bool digest;  // false: the tag pass
  std::string_view pull_from_mirror;

  const std::vector<std::string>& of(const SourceMirrors& mirrors) const {
    return digest ? mirrors.digest_mirrors : mirrors.tag_mirrors;
  }
};

oci::Result<void> add_mirrors(std::vector<Registry>& registries, const std::string& source,
                              const SourceMirrors& mirrors, const MirrorPass& pass,
                              bool legacy_icsp) {
  const std::vector<std::string>& list = pass.of(mirrors);
  if (list.empty()) return {};
  if (legacy_icsp && !mirrors.digest_mirrors.empty() && !mirrors.tag_mirrors.empty()) {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     fmt::format("--legacy-icsp cannot express both digest and tag mirrors for "
                                 "\"{}\"",
                                 source));
  }
  Registry& entry = entry_for(registries, source);
  if (mirrors.never_contact_source) entry.blocked = true;
  for (const std::string& mirror : list) {
    entry.mirrors.push_back(
        {.location = mirror,
         .insecure = false,
         .pull_from_mirror = legacy_icsp ? "" : std::string(pass.pull_from_mirror)});
  }
  if (legacy_icsp && pass.digest) entry.mirror_by_digest_only = true;
  return {};
}

void mark_insecure(std::vector<Registry>& registries, const std::string& scope) {
  entry_for(registries, scope).endpoint.insecure = true;
  for (Registry& registry : registries) {
    if (scope_is_nested(scope_of(registry), scope)) registry.endpoint.insecure = true;
    for (Endpoint& mirror : registry.mirrors) {
      if (scope_is_nested(mirror.location, scope)) mirror.insecure = true;
    }
  }
}

void mark_blocked(std::vector<Registry>& registries, const std::string& scope) {
  entry_for(registries, scope).blocked = true;
  for (Registry& registry : registries) {
    if (scope_is_nested(scope_of(registry), scope)) registry.blocked = true;
  }
}

// Entries nested in a mirrored source and without mirrors of their own get the source's
// mirrors with their path suffix appended, so that the most specific match (the nested entry)
// still uses them. The first mirrored source in pass order wins, as in EditRegistriesConfig.
oci::Result<void> inherit_mirrors(std::vector<Registry>& registries, const std::string& source) {
  const std::string mirrored_scope(scope_of(entry_for(registries, source)));
  for (std::size_t i = 0; i < registries.size(); ++i) {
    Registry& registry = registries[i];
    const std::string scope(scope_of(registry));
    if (scope == mirrored_scope || !scope_is_nested(scope, mirrored_scope) ||
        !registry.mirrors.empty()) {
      continue;
    }
    if (mirrored_scope.starts_with("*.")) {
      return oci::fail(oci::ErrorCode::kManifestInvalid,
                       fmt::format("cannot add a registry entry for \"{}\": it would inherit "
                                   "the mirrors of wildcard entry \"{}\"",
                                   scope, mirrored_scope));
    }
    const std::string suffix = scope.substr(mirrored_scope.size());
    std::vector<Endpoint> adjusted = entry_for(registries, source).mirrors;
    for (Endpoint& mirror : adjusted) mirror.location += suffix;
    registries[i].mirrors = std::move(adjusted);
  }
  return {};
}

}  // namespace

oci::Result<nodeconf::RegistriesConfDocument> build_registries_conf(
    nodeconf::RegistriesConfDocument base, const std::map<std::string, SourceMirrors>& mirrors,
    const RegistryScopes& scopes, bool legacy_icsp) {
  std::vector<Registry>& registries = base.registries;
  const MirrorPass passes[] = {{true, nodeconf::kPullFromMirrorDigestOnly},
                               {false, nodeconf::kPullFromMirrorTagOnly}};
  for (const MirrorPass& pass : passes) {
    for (const auto& [source, source_mirrors] : mirrors) {
      if (auto ok = add_mirrors(registries, source, source_mirrors, pass, legacy_icsp); !ok) {
        return std::unexpected(ok.error());
      }
    }
  }
  // Blocked entries first, so that a blocked scope nested in an insecure one is found and
  // marked insecure too; then insecure scopes, then blocked ones, each in the order given.
  for (const std::string& scope : scopes.blocked) entry_for(registries, scope);
  for (const std::string& scope : scopes.insecure) mark_insecure(registries, scope);
  for (const std::string& scope : scopes.blocked) mark_blocked(registries, scope);
  for (const MirrorPass& pass : passes) {
    for (const auto& [source, source_mirrors] : mirrors) {
      if (pass.of(source_mirrors).empty()) continue;
      if (auto ok = inherit_mirrors(registries, source); !ok) return std::unexpected(ok.error());
    }
  }
  return base;
}

}  // namespace openshift
