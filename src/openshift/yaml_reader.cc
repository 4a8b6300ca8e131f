#include "openshift/yaml_reader.h"

#include <fmt/format.h>
#include <string>

#include <yaml-cpp/yaml.h>

namespace openshift {
namespace {

struct KnownKind {
  std::string_view kind;
  std::string_view api_version;
};

constexpr KnownKind kKnownKinds[] = {
    {"Image", "config.openshift.io/v1"},
    {"ImageContentSourcePolicy", "operator.openshift.io/v1alpha1"},
    {"ImageDigestMirrorSet", "config.openshift.io/v1"},
    {"ImageTagMirrorSet", "config.openshift.io/v1"},
    {"ConfigMap", "v1"},
};

// Decodes the fields of one object; `object` names it in errors ("Image \"cluster\"").
class FieldReader {
 public:
  explicit FieldReader(std::string object) : object_(std::move(object)) {}

  oci::Result<std::string> string(const YAML::Node& node, const std::string& field) const {
    if (!node || node.IsNull()) return std::string();
    if (!node.IsScalar()) return fail(field, "must be a string");
    return node.as<std::string>();
  }

  oci::Result<std::vector<std::string>> strings(const YAML::Node& node,
                                                const std::string& field) const {
    std::vector<std::string> out;
    if (!node || node.IsNull()) return out;
    if (!node.IsSequence()) return fail(field, "must be a list of strings");
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) return fail(fmt::format("{}[{}]", field, i), "must be a string");
      out.push_back(node[i].as<std::string>());
    }
    return out;
  }

  oci::Result<std::map<std::string, std::string>> string_map(const YAML::Node& node,
                                                             const std::string& field) const {
    std::map<std::string, std::string> out;
    if (!node || node.IsNull()) return out;
    if (!node.IsMap()) return fail(field, "must be a map of strings");
    for (const auto& item : node) {
      auto key = item.first.as<std::string>();
      if (!item.second.IsScalar()) return fail(field + "." + key, "must be a string");
      out[key] = item.second.as<std::string>();
    }
    return out;
  }

  std::unexpected<oci::Error> fail(const std::string& field, std::string_view problem) const {
    return oci::fail(oci::ErrorCode::kManifestInvalid,
                     fmt::format("{}: {}: {}", object_, field, problem));
  }

  const std::string& object() const { return object_; }

 private:
  std::string object_;
};

oci::Result<MirrorSourcePolicy> source_policy(const FieldReader& reader, const YAML::Node& node,
                                              const std::string& field) {
  auto text = reader.string(node, field);
  if (!text) return std::unexpected(text.error());
  if (text->empty()) return MirrorSourcePolicy::kUnset;
  if (*text == "AllowContactingSource") return MirrorSourcePolicy::kAllowContactingSource;
  if (*text == "NeverContactSource") return MirrorSourcePolicy::kNeverContactSource;
  return reader.fail(field, fmt::format("unsupported value \"{}\": supported values are "
                                        "\"AllowContactingSource\", \"NeverContactSource\"",
                                        *text));
}

oci::Result<MirrorSet> read_mirror_set(const FieldReader& reader, const YAML::Node& spec,
                                       std::string kind, std::string name,
                                       const std::string& list_field, bool has_policy) {
  MirrorSet set{std::move(kind), std::move(name), {}};
  const std::string field = "spec." + list_field;
  YAML::Node list = spec ? spec[list_field] : YAML::Node();
  if (!list || list.IsNull()) return set;
  if (!list.IsSequence()) return reader.fail(field, "must be a list");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = fmt::format("{}[{}]", field, i);
    if (!list[i].IsMap()) return reader.fail(where, "must be an object");
    MirrorEntry entry;
    entry.where = reader.object() + " " + where;
    auto source = reader.string(list[i]["source"], where + ".source");
    if (!source) return std::unexpected(source.error());
    if (source->empty()) return reader.fail(where + ".source", "Required value");
    entry.source = *source;
    auto mirrors = reader.strings(list[i]["mirrors"], where + ".mirrors");
    if (!mirrors) return std::unexpected(mirrors.error());
    entry.mirrors = *mirrors;
    if (has_policy) {
      auto policy =
          source_policy(reader, list[i]["mirrorSourcePolicy"], where + ".mirrorSourcePolicy");
      if (!policy) return std::unexpected(policy.error());
      entry.policy = *policy;
    } else if (list[i]["mirrorSourcePolicy"]) {
      return reader.fail(where + ".mirrorSourcePolicy", "field not declared in schema");
    }
    set.entries.push_back(std::move(entry));
  }
  return set;
}

oci::Result<ImageConfig> read_image(const FieldReader& reader, const YAML::Node& spec,
                                    std::string name) {
  ImageConfig image;
  image.name = std::move(name);
  if (!spec) return image;
  const YAML::Node sources = spec["registrySources"];
  const auto field = [&](const char* key) { return sources ? sources[key] : YAML::Node(); };
  const std::pair<const char*, std::vector<std::string>*> lists[] = {
      {"allowedRegistries", &image.allowed_registries},
      {"blockedRegistries", &image.blocked_registries},
      {"containerRuntimeSearchRegistries", &image.search_registries},
  };
  for (const auto& [key, out] : lists) {
    auto values = reader.strings(field(key), std::string("spec.registrySources.") + key);
    if (!values) return std::unexpected(values.error());
    *out = std::move(*values);
  }
  const YAML::Node search = field("containerRuntimeSearchRegistries");
  if (search && search.IsSequence() && search.size() == 0) {
    // The API server's answer to an empty list (the field's MinItems=1).
    return reader.fail("spec.registrySources.containerRuntimeSearchRegistries",
                       "Invalid value: 0: should have at least 1 items");
  }
  const YAML::Node insecure = field("insecureRegistries");
  if (insecure && !insecure.IsNull()) {
    auto values = reader.strings(insecure, "spec.registrySources.insecureRegistries");
    if (!values) return std::unexpected(values.error());
    image.insecure_registries = std::move(*values);
  }
  const YAML::Node ca = spec["additionalTrustedCA"];
  auto ca_name = reader.string(ca ? ca["name"] : YAML::Node(), "spec.additionalTrustedCA.name");
  if (!ca_name) return std::unexpected(ca_name.error());
  image.additional_trusted_ca = *ca_name;
  return image;
}

oci::Result<void> read_object(const YAML::Node& node, const std::string& where,
                              ClusterObjects& objects);

oci::Result<void> read_list(const YAML::Node& node, const std::string& where,
                            ClusterObjects& objects) {
  const YAML::Node items = node["items"];
  if (!items || items.IsNull()) return {};
  if (!items.IsSequence()) {
    return oci::fail(oci::ErrorCode::kManifestInvalid, where + ": List items: must be a list");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto read = read_object(items[i], fmt::format("{} items[{}]", where, i), objects);
    if (!read) return read;
  }
  return {};
}

oci::Result<void> read_object(const YAML::Node& node, const std::string& where,
                              ClusterObjects& objects) {
  if (!node || node.IsNull()) return {};  // an empty document
  if (!node.IsMap()) {
    return oci::fail(oci::ErrorCode::kManifestInvalid, where + ": not a Kubernetes object");
  }
  const std::string kind = node["kind"] ? node["kind"].as<std::string>("") : "";
  const std::string api_version = node["apiVersion"] ? node["apiVersion"].as<std::string>("") : "";
  if (kind == "List" || kind.ends_with("List")) return read_list(node, where, objects);

  const YAML::Node metadata = node["metadata"];
  const std::string name = metadata && metadata["name"] ? metadata["name"].as<std::string>("") : "";
  const FieldReader reader(fmt::format("{} \"{}\" ({})", kind, name, where));

  const KnownKind* known = nullptr;
  for (const KnownKind& candidate : kKnownKinds) {
    if (candidate.kind == kind) known = &candidate;
  }
  if (known == nullptr) {
    objects.warnings.push_back(fmt::format("{}: skipping unsupported kind \"{}\"", where, kind));
    return {};
  }
  if (api_version != known->api_version) {
    return reader.fail("apiVersion", fmt::format("is \"{}\", {} needs \"{}\"", api_version, kind,
                                                 known->api_version));
  }
  if (name.empty()) return reader.fail("metadata.name", "Required value");

  const YAML::Node spec = node["spec"];
  if (kind == "Image") {
    if (name != "cluster") {
      objects.warnings.push_back(fmt::format(
          "{}: skipping Image \"{}\": the machine-config operator reads only \"cluster\"", where,
          name));
      return {};
    }
    if (objects.image) return reader.fail("metadata.name", "Image \"cluster\" given twice");
    auto image = read_image(reader, spec, name);
    if (!image) return std::unexpected(image.error());
    objects.image = std::move(*image);
  } else if (kind == "ConfigMap") {
    ConfigMap map;
    map.name = name;
    if (metadata["namespace"]) map.namespace_name = metadata["namespace"].as<std::string>("");
    auto data = reader.string_map(node["data"], "data");
    if (!data) return std::unexpected(data.error());
    auto binary = reader.string_map(node["binaryData"], "binaryData");
    if (!binary) return std::unexpected(binary.error());
    map.data = std::move(*data);
    map.binary_data = std::move(*binary);
    objects.config_maps.push_back(std::move(map));
  } else {
    const bool is_icsp = kind == "ImageContentSourcePolicy";
    const bool is_tags = kind == "ImageTagMirrorSet";
    const std::string list_field = is_icsp   ? "repositoryDigestMirrors"
                                   : is_tags ? "imageTagMirrors"
                                             : "imageDigestMirrors";
    auto set = read_mirror_set(reader, spec, kind, name, list_field, !is_icsp);
    if (!set) return std::unexpected(set.error());
    (is_tags ? objects.tag_sets : objects.digest_sets).push_back(std::move(*set));
  }
  return {};
}

}  // namespace

oci::Result<void> read_cluster_objects(std::string_view text, std::string_view source_name,
                                       ClusterObjects& objects) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return oci::fail(oci::ErrorCode::kManifestInvalid,
                     fmt::format("{}:{}:{}: invalid YAML: {}", source_name, e.mark.line + 1,
                                 e.mark.column + 1, e.msg));
  }
  for (std::size_t i = 0; i < documents.size(); ++i) {
    try {
      auto read =
          read_object(documents[i], fmt::format("{} document {}", source_name, i + 1), objects);
      if (!read) return read;
    } catch (const YAML::Exception& e) {
      return oci::fail(oci::ErrorCode::kManifestInvalid,
                       fmt::format("{} document {}: {}", source_name, i + 1, e.msg));
    }
  }
  return {};
}

}  // namespace openshift
