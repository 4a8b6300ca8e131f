#include "openshift/node_files.h"

#include <fmt/format.h>

#include "nodeconf/config_file.h"
#include "nodeconf/config_file_decoder.h"
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

// The files of the MCO's templates/<role>/01-<role>-container-runtime, byte for byte: what a
// node keeps when the cluster objects change nothing in them.
constexpr std::string_view kTemplateRegistriesConf =
    "unqualified-search-registries = ['registry.access.redhat.com', 'docker.io']\n";
constexpr std::string_view kTemplatePolicyJson =
    "{\n"
    "    \"default\": [\n"
    "        {\n"
    "            \"type\": \"insecureAcceptAnything\"\n"
    "        }\n"
    "    ],\n"
    "    \"transports\":\n"
    "        {\n"
    "            \"docker-daemon\":\n"
    "                {\n"
    "                    \"\": [{\"type\":\"insecureAcceptAnything\"}]\n"
    "                }\n"
    "        }\n"
    "}";

std::unexpected<oci::Error> invalid(std::string message) {
  return oci::fail(oci::ErrorCode::kManifestInvalid, std::move(message));
}

oci::Result<void> validate_image(const ImageConfig& image) {
  const std::string object = fmt::format("Image \"{}\"", image.name);
  const std::vector<std::string> insecure =
      image.insecure_registries.value_or(std::vector<std::string>{});
  struct ScopeList {
    const char* field;
    const char* kind;  // as the MCO's "invalid entry for <kind> registries" names it
    const std::vector<std::string>* scopes;
  };
  const ScopeList lists[] = {
      {"insecureRegistries", "insecure", &insecure},
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

oci::Result<nodeconf::RegistriesConfDocument> base_document(const RenderOptions& options) {
  const std::string_view text =
      options.base_registries_conf ? *options.base_registries_conf : kTemplateRegistriesConf;
  // Both arms string_views: with a std::string arm the literal would become a temporary string.
  const std::string_view name = options.base_registries_conf
                                    ? std::string_view(options.base_registries_conf_name)
                                    : std::string_view("(the MCO's template)");
  auto file = nodeconf::parse_config_file(text, name, nodeconf::FileRole::kMain);
  if (!file) {
    return invalid(fmt::format("base registries.conf {}: {}", name, file.error().message));
  }
  // The MCO edits the file as toml.Decode leaves it: no prefix filled in, entries in file
  // order, absent keys absent; v1 tables and keys it does not know dropped.
  auto raw = nodeconf::decode_config_file(text, name);
  if (!raw) return invalid(fmt::format("base registries.conf {}: {}", name, raw.error().message));
  nodeconf::RegistriesConfDocument base;
  base.unqualified_search_registries = std::move(raw->unqualified_search_registries);
  base.registries = raw->registries.value_or(std::vector<nodeconf::Registry>{});
  base.credential_helpers = std::move(raw->credential_helpers);
  base.short_name_mode = std::move(raw->short_name_mode);
  if (options.mco_release.writes_layer_store_auth_helper()) {
    base.additional_layer_store_auth_helper = std::move(raw->additional_layer_store_auth_helper);
  }
  base.aliases = std::move(raw->aliases);
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
      std::string copy = fmt::format("etc/containers/certs.d/{}/ca.crt", ca.host);
      out.files[copy] = ca.pem;
      out.not_written_by_mco.insert(std::move(copy));
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

  NodeFiles out;
  out.warnings = objects.warnings;
  GuardedScopes blocked = guard_payload(image.blocked_registries, options.payload_repo, *mirrors);
  if (!blocked.warning.empty()) out.warnings.push_back(blocked.warning);

  auto base = base_document(options);
  if (!base) return std::unexpected(base.error());
  // registriesConfigIgnition re-encodes registries.conf only when one of these is set (the
  // insecure list even when empty: Go tests it for nil), and policy.json only when a scope is
  // allowed or blocked; else the node keeps the file as it is.
  const bool edits_registries_conf = image.insecure_registries.has_value() ||
                                     !blocked.registries_blocked.empty() ||
                                     !objects.digest_sets.empty() || !objects.tag_sets.empty();
  std::string registries_conf = options.base_registries_conf ? *options.base_registries_conf
                                                             : std::string(kTemplateRegistriesConf);
  if (edits_registries_conf) {
    auto document =
        build_registries_conf(std::move(*base), *mirrors,
                              {image.insecure_registries.value_or(std::vector<std::string>{}),
                               blocked.registries_blocked},
                              options.legacy_icsp);
    if (!document) return std::unexpected(document.error());
    registries_conf = nodeconf::write_registries_conf(*document);
    if (auto ok = check_loads(registries_conf); !ok) return std::unexpected(ok.error());
    out.machine_config_paths.emplace(kRegistriesConfPath);
  }
  out.files[std::string(kRegistriesConfPath)] = std::move(registries_conf);

  std::vector<std::string> allowed = blocked.policy_allowed;
  allowed.insert(allowed.end(), image.allowed_registries.begin(), image.allowed_registries.end());
  if (allowed.empty() && blocked.policy_blocked.empty()) {
    out.files[std::string(kPolicyJsonPath)] = kTemplatePolicyJson;
  } else {
    out.files[std::string(kPolicyJsonPath)] = nodeconf::write_policy_json(
        build_policy(nodeconf::default_node_policy(), allowed, blocked.policy_blocked),
        options.mco_release.indents_policy_json() ? nodeconf::JsonLayout::kIndented
                                                  : nodeconf::JsonLayout::kCompact);
    out.machine_config_paths.emplace(kPolicyJsonPath);
  }

  if (!image.search_registries.empty()) {
    nodeconf::RegistriesConfDocument search;
    search.unqualified_search_registries = image.search_registries;
    if (options.mco_release.writes_layer_store_auth_helper()) {
      search.additional_layer_store_auth_helper.emplace();
    }
    out.files[std::string(kSearchRegistriesPath)] = nodeconf::write_registries_conf(search);
    out.machine_config_paths.emplace(kSearchRegistriesPath);
  }
  if (!image.additional_trusted_ca.empty()) {
    if (auto ok = add_trusted_cas(objects, image, out); !ok) return std::unexpected(ok.error());
  }
  return out;
}

}  // namespace openshift
