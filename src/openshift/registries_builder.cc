#include "openshift/registries_builder.h"

#include <fmt/format.h>

#include "openshift/scope.h"

namespace openshift {
namespace {

using nodeconf::Endpoint;
using nodeconf::Registry;

std::string_view scope_of(const Registry& registry) {
  return registry.prefix.empty() ? registry.endpoint.location : registry.prefix;
}

class RegistryTable {
 public:
  explicit RegistryTable(std::vector<Registry>& registries) : registries_(registries) {}

  // The entry for `scope`, created when missing. With `inherit_mirrors`, a new entry nested in
  // one with mirrors inherits those mirrors with its path suffix appended, so that blocking
  // or marking it insecure does not cut it off from them.
  oci::Result<Registry*> entry(const std::string& scope, bool inherit_mirrors) {
    for (Registry& registry : registries_) {
      if (registry.prefix == scope ||
          (registry.prefix.empty() && registry.endpoint.location == scope)) {
        return &registry;
      }
    }
    Registry created;
    if (scope.starts_with("*.")) {
      created.prefix = scope;
    } else {
      created.endpoint.location = scope;
    }
    const Registry* parent = inherit_mirrors ? mirrored_parent(scope) : nullptr;
    if (parent != nullptr) {
      if (scope_of(*parent).starts_with("*.")) {
        return oci::fail(oci::ErrorCode::kManifestInvalid,
                         fmt::format("cannot add a registry entry for \"{}\": it would inherit "
                                     "the mirrors of wildcard entry \"{}\"",
                                     scope, scope_of(*parent)));
      }
      const std::string suffix = scope.substr(scope_of(*parent).size());
      for (Endpoint mirror : parent->mirrors) {
        mirror.location += suffix;
        created.mirrors.push_back(std::move(mirror));
      }
    }
    registries_.push_back(std::move(created));
    return &registries_.back();
  }

 private:
  // The most specific existing entry with mirrors that `scope` is nested in.
  const Registry* mirrored_parent(std::string_view scope) const {
    const Registry* best = nullptr;
    for (const Registry& registry : registries_) {
      if (registry.mirrors.empty() || !scope_is_nested(scope, scope_of(registry))) continue;
      if (best == nullptr || scope_of(registry).size() > scope_of(*best).size()) best = &registry;
    }
    return best;
  }

  std::vector<Registry>& registries_;
};

oci::Result<void> add_mirrors(RegistryTable& table, const std::string& source,
                              const SourceMirrors& mirrors, bool legacy_icsp) {
  if (legacy_icsp && !mirrors.digest_mirrors.empty() && !mirrors.tag_mirrors.empty()) {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     fmt::format("--legacy-icsp cannot express both digest and tag mirrors for "
                                 "\"{}\"",
                                 source));
  }
  auto registry = table.entry(source, false);
  if (!registry) return std::unexpected(registry.error());
  Registry& entry = **registry;
  if (mirrors.never_contact_source) entry.blocked = true;
  const std::string digest_mode =
      legacy_icsp ? "" : std::string(nodeconf::kPullFromMirrorDigestOnly);
  const std::string tag_mode = legacy_icsp ? "" : std::string(nodeconf::kPullFromMirrorTagOnly);
  for (const std::string& mirror : mirrors.digest_mirrors) {
    entry.mirrors.push_back(
        {.location = mirror, .insecure = false, .pull_from_mirror = digest_mode});
  }
  for (const std::string& mirror : mirrors.tag_mirrors) {
    entry.mirrors.push_back({.location = mirror, .insecure = false, .pull_from_mirror = tag_mode});
  }
  if (legacy_icsp && !mirrors.digest_mirrors.empty()) entry.mirror_by_digest_only = true;
  return {};
}

}  // namespace

oci::Result<nodeconf::RegistriesConfDocument> build_registries_conf(
    nodeconf::RegistriesConfDocument base, const std::map<std::string, SourceMirrors>& mirrors,
    const RegistryScopes& scopes, bool legacy_icsp) {
  RegistryTable table(base.registries);
  for (const auto& [source, source_mirrors] : mirrors) {
    if (auto ok = add_mirrors(table, source, source_mirrors, legacy_icsp); !ok) {
      return std::unexpected(ok.error());
    }
  }
  for (const auto* list : {&scopes.insecure, &scopes.blocked}) {
    for (const std::string& scope : *list) {
      if (auto entry = table.entry(scope, true); !entry) return std::unexpected(entry.error());
    }
  }
  for (Registry& registry : base.registries) {
    if (enclosing_scope(scope_of(registry), scopes.insecure)) registry.endpoint.insecure = true;
    if (enclosing_scope(scope_of(registry), scopes.blocked)) registry.blocked = true;
    for (Endpoint& mirror : registry.mirrors) {
      if (enclosing_scope(mirror.location, scopes.insecure)) mirror.insecure = true;
    }
  }
  return base;
}

}  // namespace openshift
