#include "openshift/node_files.h"

#include <fmt/format.h>

#include "nodeconf/config_file.h"
#include "nodeconf/policy.h"
#include "nodeconf/policy_writer.h"
#include "nodeconf/registries_conf_writer.h"
#include "openshift/payload_guard.h"
#include "openshift/policy_builder.h"
#include "openshift/registries_builder.h"
#include "openshift/scope.h"
#include "openshift/trusted_ca.h"

namespace openshift {
namespace {

constexpr std::string_view kTrustedCaNamespace = "openshift-config";

std::unexpected<oci::Error> invalid(std::string message) {
  return oci::fail(oci::ErrorCode::kManifestInvalid, std::move(message));
}

oci::Result<void> validate_image(const ImageConfig& image) {
  const std::string object = fmt::format("Image \"{}\"", image.name);
  struct ScopeList {
    const char* field;
    const char* kind;  // as the MCO's "invalid entry for <kind> registries" names it
    const std::vector<std::string>* scopes;
  };
  const ScopeList lists[] = {
      {"insecureRegistries", "insecure", &image.insecure_registries},
      {"blockedRegistries", "blocked", &image.blocked_registries},
      {"allowedRegistries", "allowed", &image.allowed_registries},
  };
  for (const auto& [field, kind, scopes] : lists) {
    for (std::size_t i = 0; i < scopes->size(); ++i) {
      if (std::string problem = scope_problem((*scopes)[i]); !problem.empty()) {
        return invalid(fmt::format(
            "{}: spec.registrySources.{}[{}]: invalid entry for {} registries \"{}\": {}", object,
            field, i, kind, (*scopes)[i], problem));
      }
    }
  }
  if (!image.allowed_registries.empty() && !image.blocked_registries.empty()) {
    return invalid(fmt::format(
        "{}: spec.registrySources: only one of AllowedRegistries or BlockedRegistries may be "
        "specified",
        object));
  }
  return {};
}

std::string short_name_mode_text(std::optional<nodeconf::ShortNameMode> mode) {
  if (!mode) return "";
  switch (*mode) {
    case nodeconf::ShortNameMode::kDisabled:
      return "disabled";
    case nodeconf::ShortNameMode::kPermissive:
      return "permissive";
    case nodeconf::ShortNameMode::kEnforcing:
      return "enforcing";
  }
  return "";
}

oci::Result<nodeconf::RegistriesConfDocument> base_document(const RenderOptions& options) {
  if (!options.base_registries_conf) {
    nodeconf::RegistriesConfDocument mco_template;
    mco_template.unqualified_search_registries = {"registry.access.redhat.com", "docker.io"};
    return mco_template;
  }
  auto file = nodeconf::parse_config_file(
      *options.base_registries_conf, options.base_registries_conf_name, nodeconf::FileRole::kMain);
  if (!file) {
    return invalid(fmt::format("base registries.conf {}: {}", options.base_registries_conf_name,
                               file.error().message));
  }
  nodeconf::RegistriesConfDocument base;
  base.unqualified_search_registries =
      file->unqualified_search_registries.value_or(std::vector<std::string>{});
  base.registries = file->registries;
  base.credential_helpers = file->credential_helpers;
  base.short_name_mode = short_name_mode_text(file->short_name_mode);
  for (const auto& [name, alias] : file->aliases) {
    base.aliases[name] = alias.value ? alias.value->str() : "";
  }
  return base;
}

oci::Result<void> add_trusted_cas(const ClusterObjects& objects, const ImageConfig& image,
                                  NodeFiles& out) {
  for (const ConfigMap& map : objects.config_maps) {
    if (map.name != image.additional_trusted_ca) continue;
    if (!map.namespace_name.empty() && map.namespace_name != kTrustedCaNamespace) continue;
    auto cas = registry_cas(map);
    if (!cas) return std::unexpected(cas.error());
    for (const RegistryCa& ca : *cas) {
      out.files[fmt::format("etc/docker/certs.d/{}/ca.crt", ca.host)] = ca.pem;
      out.files[fmt::format("etc/containers/certs.d/{}/ca.crt", ca.host)] = ca.pem;
    }
    return {};
  }
  return invalid(fmt::format(
      "Image \"{}\": spec.additionalTrustedCA.name: ConfigMap \"{}\" not found in namespace {}",
      image.name, image.additional_trusted_ca, kTrustedCaNamespace));
}

// The rendered registries.conf must load on a node: checked with the node-side parser.
oci::Result<void> check_loads(const std::string& text) {
  auto parsed = nodeconf::parse_config_file(text, kRegistriesConfPath, nodeconf::FileRole::kMain);
  if (!parsed) {
    return invalid("the rendered registries.conf would not load: " + parsed.error().message);
  }
  return {};
}

}  // namespace

oci::Result<NodeFiles> render_node_files(const ClusterObjects& objects,
                                         const RenderOptions& options) {
  ImageConfig image;
  image.name = "cluster";
  if (objects.image) image = *objects.image;
  if (auto ok = validate_image(image); !ok) return std::unexpected(ok.error());
  auto mirrors = collect_mirrors(objects.digest_sets, objects.tag_sets);
  if (!mirrors) return std::unexpected(mirrors.error());

  NodeFiles out{.files = {}, .warnings = objects.warnings};
  GuardedScopes blocked = guard_payload(image.blocked_registries, options.payload_repo, *mirrors);
  if (!blocked.warning.empty()) out.warnings.push_back(blocked.warning);

  auto base = base_document(options);
  if (!base) return std::unexpected(base.error());
  auto document = build_registries_conf(std::move(*base), *mirrors,
                                        {image.insecure_registries, blocked.registries_blocked},
                                        options.legacy_icsp);
  if (!document) return std::unexpected(document.error());
  std::string registries_conf = nodeconf::write_registries_conf(*document);
  if (auto ok = check_loads(registries_conf); !ok) return std::unexpected(ok.error());
  out.files[std::string(kRegistriesConfPath)] = std::move(registries_conf);

  out.files[std::string(kPolicyJsonPath)] = nodeconf::write_policy_json(build_policy(
      nodeconf::default_node_policy(), image.allowed_registries, blocked.policy_blocked));

  if (!image.search_registries.empty()) {
    nodeconf::RegistriesConfDocument search;
    search.unqualified_search_registries = image.search_registries;
    out.files[std::string(kSearchRegistriesPath)] = nodeconf::write_registries_conf(search);
  }
  if (!image.additional_trusted_ca.empty()) {
    if (auto ok = add_trusted_cas(objects, image, out); !ok) return std::unexpected(ok.error());
  }
  return out;
}

}  // namespace openshift
