#include "oci/manifest.h"

#include <limits>

#include "oci/json_depth.h"

namespace oci {
namespace {

using nlohmann::json;

std::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::kManifestInvalid, std::move(message));
}

// The member `key` of `object`, or nullptr when it is absent or null: the Go tools that write
// most manifests treat an explicit null like an omitted field.
const json* member(const json& object, std::string_view key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

Result<std::string> optional_string(const json& object, std::string_view key,
                                    const std::string& path) {
  const json* value = member(object, key);
  if (!value) return std::string();
  if (!value->is_string()) return invalid(path + std::string(key) + " must be a string");
  return value->get<std::string>();
}

// A size is an int64 that is not negative; nlohmann stores non-negative literals as unsigned.
Result<std::int64_t> parse_size(const json* size, const std::string& path) {
  constexpr auto kMaxSize = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (size && size->is_number_unsigned() && size->get<std::uint64_t>() <= kMaxSize) {
    return static_cast<std::int64_t>(size->get<std::uint64_t>());
  }
  if (size && size->is_number_integer() && size->get<std::int64_t>() >= 0) {
    return size->get<std::int64_t>();
  }
  return invalid(path + "size must be a non-negative 64-bit integer");
}

Result<std::vector<std::string>> parse_urls(const json* urls, const std::string& path) {
  if (!urls) return std::vector<std::string>();
  if (!urls->is_array()) return invalid(path + "urls must be an array of strings");
  std::vector<std::string> parsed;
  for (const json& url : *urls) {
    if (!url.is_string()) return invalid(path + "urls must be an array of strings");
    parsed.push_back(url.get<std::string>());
  }
  return parsed;
}

// Annotations map strings to strings (image-spec, "Annotations").
Result<json> parse_annotations(const json* annotations, const std::string& path) {
  if (!annotations) return json();
  if (!annotations->is_object()) return invalid(path + "annotations must be an object");
  for (const auto& [key, value] : annotations->items()) {
    if (!value.is_string()) return invalid(path + "annotations values must be strings");
  }
  return *annotations;
}

// `path` names the descriptor in messages ("layers[2]").
Result<Descriptor> parse_descriptor(const json& value, const std::string& path) {
  if (!value.is_object()) return invalid(path + " must be an object");
  const std::string prefix = path + ".";

  const json* media_type = member(value, "mediaType");
  if (!media_type || !media_type->is_string() ||
      media_type->get_ref<const std::string&>().empty()) {
    return invalid(prefix + "mediaType must be a non-empty string");
  }
  const json* digest_text = member(value, "digest");
  if (!digest_text || !digest_text->is_string()) return invalid(prefix + "digest must be a string");
  auto digest = Digest::parse(digest_text->get_ref<const std::string&>());
  if (!digest) return invalid(prefix + "digest: " + digest.error().message);

  auto size = parse_size(member(value, "size"), prefix);
  if (!size) return std::unexpected(size.error());
  auto urls = parse_urls(member(value, "urls"), prefix);
  if (!urls) return std::unexpected(urls.error());
  auto artifact_type = optional_string(value, "artifactType", prefix);
  if (!artifact_type) return std::unexpected(artifact_type.error());
  auto annotations = parse_annotations(member(value, "annotations"), prefix);
  if (!annotations) return std::unexpected(annotations.error());

  return Descriptor{
      .media_type = media_type->get<std::string>(),
      .digest = std::move(*digest),
      .size = *size,
      .urls = std::move(*urls),
      .artifact_type = std::move(*artifact_type),
      .annotations = std::move(*annotations),
  };
}

Result<std::vector<Descriptor>> parse_descriptor_array(const json* array, const std::string& key) {
  if (!array || !array->is_array()) return invalid(key + " must be an array");
  std::vector<Descriptor> descriptors;
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto descriptor = parse_descriptor((*array)[i], key + "[" + std::to_string(i) + "]");
    if (!descriptor) return std::unexpected(descriptor.error());
    descriptors.push_back(std::move(*descriptor));
  }
  return descriptors;
}

// The body's mediaType wins; the Content-Type stands in when the body has none and must agree
// when both are set.
Result<std::string> resolve_media_type(const json& document, std::string_view content_type) {
  const std::string_view header_type = media_type::essence(content_type);
  std::string_view resolved = header_type;
  if (const json* body_type = member(document, "mediaType")) {
    if (!body_type->is_string()) return invalid("mediaType must be a string");
    resolved = media_type::essence(body_type->get_ref<const std::string&>());
    if (!header_type.empty() && header_type != resolved) {
      return invalid("mediaType in the body differs from the Content-Type");
    }
  }
  if (!media_type::manifest_kind(resolved)) return invalid("unsupported manifest media type");
  return std::string(resolved);
}

// An image must not carry an index's fields nor an index an image's, so one body cannot be read
// as both (CVE-2021-41190).
Result<void> parse_image_fields(const json& document, Manifest& manifest) {
  if (member(document, "manifests")) return invalid("an image manifest must not have manifests");
  const json* config = member(document, "config");
  if (!config) return invalid("an image manifest needs config");
  auto parsed_config = parse_descriptor(*config, "config");
  if (!parsed_config) return std::unexpected(parsed_config.error());
  auto layers = parse_descriptor_array(member(document, "layers"), "layers");
  if (!layers) return std::unexpected(layers.error());
  manifest.config = std::move(*parsed_config);
  manifest.layers = std::move(*layers);
  return {};
}

Result<void> parse_index_fields(const json& document, Manifest& manifest) {
  if (member(document, "config") || member(document, "layers")) {
    return invalid("an index must not have config or layers");
  }
  auto manifests = parse_descriptor_array(member(document, "manifests"), "manifests");
  if (!manifests) return std::unexpected(manifests.error());
  manifest.manifests = std::move(*manifests);
  return {};
}

}  // namespace

json Descriptor::to_json() const {
  json object = {{"mediaType", media_type}, {"digest", digest.str()}, {"size", size}};
  if (!artifact_type.empty()) object["artifactType"] = artifact_type;
  if (!annotations.empty()) object["annotations"] = annotations;
  return object;
}

Result<Manifest> parse_manifest(std::string_view body, std::string_view content_type) {
  // Checked before nlohmann builds a tree, so a hostile body cannot make it (or anything that
  // later walks the tree) exhaust the stack.
  if (json_nests_deeper_than(body)) {
    return invalid("manifest nests deeper than " + std::to_string(kMaxJsonNesting) + " levels");
  }
  const json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return invalid("manifest is not valid JSON");
  if (!document.is_object()) return invalid("manifest must be a JSON object");

  auto media_type = resolve_media_type(document, content_type);
  if (!media_type) return std::unexpected(media_type.error());
  const json* schema_version = member(document, "schemaVersion");
  if (!schema_version || !schema_version->is_number_integer() || *schema_version != 2) {
    return invalid("schemaVersion must be 2");
  }

  Manifest manifest;
  manifest.kind = *media_type::manifest_kind(*media_type);
  manifest.media_type = std::move(*media_type);
  auto kind_fields = manifest.kind == media_type::ManifestKind::kImage
                         ? parse_image_fields(document, manifest)
                         : parse_index_fields(document, manifest);
  if (!kind_fields) return std::unexpected(kind_fields.error());

  if (const json* subject = member(document, "subject")) {
    auto parsed_subject = parse_descriptor(*subject, "subject");
    if (!parsed_subject) return std::unexpected(parsed_subject.error());
    manifest.subject = std::move(*parsed_subject);
  }
  auto artifact_type = optional_string(document, "artifactType", "");
  if (!artifact_type) return std::unexpected(artifact_type.error());
  auto annotations = parse_annotations(member(document, "annotations"), "");
  if (!annotations) return std::unexpected(annotations.error());
  manifest.annotations = std::move(*annotations);

  // The referrers API reports an image's config media type when it has no artifactType.
  manifest.artifact_type = !artifact_type->empty() ? std::move(*artifact_type)
                           : manifest.config       ? manifest.config->media_type
                                                   : std::string();
  return manifest;
}

}  // namespace oci
