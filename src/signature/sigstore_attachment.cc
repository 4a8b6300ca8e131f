#include "signature/sigstore_attachment.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "nodeconf/signature_payload.h"
#include "oci/base64.h"
#include "oci/digest.h"
#include "oci/media_type.h"

namespace signature {

namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kOciConfigMediaType = "application/vnd.oci.image.config.v1+json";

oci::Error invalid(std::string what) {
  return oci::Error{oci::ErrorCode::kManifestInvalid, "sigstore attachment: " + std::move(what)};
}

// An image manifest, whether or not its body names its media type.
oci::Result<oci::Manifest> parse_image_manifest(std::string_view text) {
  if (static_cast<std::int64_t>(text.size()) > kMaxAttachmentManifest) {
    return std::unexpected(
        invalid("manifest larger than " + std::to_string(kMaxAttachmentManifest) + " bytes"));
  }
  auto manifest = oci::parse_manifest(text, "");
  if (!manifest) {
    auto without_type = oci::parse_manifest(text, oci::media_type::kOciManifest);
    if (!without_type) return std::unexpected(invalid(manifest.error().message));
    manifest = std::move(without_type);
  }
  if (manifest->kind != oci::media_type::ManifestKind::kImage) {
    return std::unexpected(invalid("not an image manifest"));
  }
  return manifest;
}

std::map<std::string, std::string> annotation_map(const nlohmann::json& annotations) {
  std::map<std::string, std::string> map;
  if (!annotations.is_object()) return map;
  for (const auto& [key, value] : annotations.items()) {
    if (value.is_string()) map.emplace(key, value.get<std::string>());
  }
  return map;
}

// containers/image's layerMatchesSigstoreSignature: the same media type, bytes and annotations.
bool same_signature(const oci::Descriptor& layer, const oci::Digest& payload_digest,
                    std::size_t payload_size,
                    const std::map<std::string, std::string>& annotations) {
  return layer.media_type == kSimpleSigningMediaType && layer.digest == payload_digest &&
         layer.size == static_cast<std::int64_t>(payload_size) &&
         annotation_map(layer.annotations) == annotations &&
         (layer.annotations.is_object() ? layer.annotations.size() : 0) == annotations.size();
}

// imgspecv1.Image as Go's encoding/json writes the one containers/image builds.
std::string attachment_config(const std::vector<std::string>& diff_ids) {
  OrderedJson config;
  config["architecture"] = "";
  config["os"] = "";
  config["config"] = OrderedJson::object();
  config["rootfs"]["type"] = "layers";
  config["rootfs"]["diff_ids"] = diff_ids;
  return config.dump();
}

bool same_layer(const oci::Descriptor& a, const oci::Descriptor& b) {
  return a.media_type == b.media_type && a.digest == b.digest && a.size == b.size &&
         annotation_map(a.annotations) == annotation_map(b.annotations);
}

OrderedJson descriptor(std::string_view media_type, const oci::Digest& digest, std::size_t size) {
  OrderedJson object;
  object["mediaType"] = media_type;
  object["digest"] = digest.str();
  object["size"] = size;
  return object;
}

// `manifest` with a config listing `diff_ids`, as containers/image rebuilds it on each write;
// the config is the one blob to upload.
oci::Result<AttachmentWrite> with_new_config(OrderedJson manifest,
                                             const std::vector<std::string>& diff_ids) {
  std::string config = attachment_config(diff_ids);
  const oci::Digest config_digest = oci::digest_of(config);
  manifest["config"] = descriptor(kOciConfigMediaType, config_digest, config.size());
  AttachmentWrite write{.manifest = manifest.dump(), .blobs = {}};
  if (static_cast<std::int64_t>(write.manifest.size()) > kMaxAttachmentManifest) {
    return std::unexpected(invalid("the attachment manifest would be larger than " +
                                   std::to_string(kMaxAttachmentManifest) + " bytes"));
  }
  write.blobs.emplace(config_digest.str(), std::move(config));
  return write;
}

}  // namespace

oci::Result<std::vector<SignatureLayer>> signature_layers(std::string_view manifest_json) {
  auto manifest = parse_image_manifest(manifest_json);
  if (!manifest) return std::unexpected(std::move(manifest.error()));
  std::vector<SignatureLayer> layers;
  for (oci::Descriptor& layer : manifest->layers) {
    if (layer.media_type != kSimpleSigningMediaType ||
        layer.size > static_cast<std::int64_t>(nodeconf::kMaxSignatureSize))
      continue;
    std::map<std::string, std::string> annotations = annotation_map(layer.annotations);
    layers.push_back(
        SignatureLayer{.blob = std::move(layer), .annotations = std::move(annotations)});
  }
  return layers;
}

oci::Result<SigstoreSignature> signature_from_layer(const SignatureLayer& layer,
                                                    std::string payload) {
  if (static_cast<std::int64_t>(payload.size()) != layer.blob.size) {
    return oci::fail(oci::ErrorCode::kSizeInvalid, "sigstore signature " + layer.blob.digest.str() +
                                                       ": " + std::to_string(payload.size()) +
                                                       " bytes, the layer says " +
                                                       std::to_string(layer.blob.size));
  }
  if (oci::digest_of(payload, layer.blob.digest.algorithm()) != layer.blob.digest) {
    return oci::fail(oci::ErrorCode::kDigestInvalid,
                     "sigstore signature " + layer.blob.digest.str() +
                         ": the payload does not match the layer's digest");
  }
  const auto found = layer.annotations.find(std::string(kSignatureAnnotation));
  return SigstoreSignature{
      .payload = std::move(payload),
      .base64_signature = found == layer.annotations.end() ? std::string() : found->second,
      .annotations = layer.annotations};
}

oci::Result<AttachmentWrite> add_signature(std::string_view existing_manifest,
                                           std::string_view payload,
                                           std::string_view raw_signature) {
  if (payload.size() > nodeconf::kMaxSignatureSize) {
    return std::unexpected(invalid("signature payload larger than " +
                                   std::to_string(nodeconf::kMaxSignatureSize) + " bytes"));
  }
  const oci::Digest payload_digest = oci::digest_of(payload);
  const std::map<std::string, std::string> annotations = {
      {std::string(kSignatureAnnotation), oci::base64_encode(raw_signature)}};

  OrderedJson manifest;
  std::vector<std::string> diff_ids;
  if (existing_manifest.empty()) {
    manifest["schemaVersion"] = 2;
    manifest["mediaType"] = oci::media_type::kOciManifest;
    manifest["config"] = nullptr;  // filled below; keeps Go's member order
    manifest["layers"] = OrderedJson::array();
  } else {
    auto parsed = parse_image_manifest(existing_manifest);
    if (!parsed) return std::unexpected(std::move(parsed.error()));
    for (const oci::Descriptor& layer : parsed->layers) {
      if (same_signature(layer, payload_digest, payload.size(), annotations)) {
        return AttachmentWrite{.manifest = std::string(existing_manifest), .blobs = {}};
      }
      diff_ids.push_back(layer.digest.str());
    }
    // parse_image_manifest checked the text: it parses, and does not nest deeply.
    manifest = OrderedJson::parse(existing_manifest);
    manifest["mediaType"] = oci::media_type::kOciManifest;
  }

  OrderedJson layer = descriptor(kSimpleSigningMediaType, payload_digest, payload.size());
  layer["annotations"] = annotations;
  manifest["layers"].push_back(std::move(layer));
  diff_ids.push_back(payload_digest.str());

  auto write = with_new_config(std::move(manifest), diff_ids);
  if (!write) return std::unexpected(std::move(write.error()));
  write->blobs.emplace(payload_digest.str(), std::string(payload));
  return write;
}

oci::Result<AttachmentWrite> merge_attachments(std::string_view existing_manifest,
                                               std::string_view incoming_manifest) {
  auto existing = parse_image_manifest(existing_manifest);
  if (!existing) return std::unexpected(std::move(existing.error()));
  auto incoming = parse_image_manifest(incoming_manifest);
  if (!incoming) return std::unexpected(std::move(incoming.error()));
  // parse_image_manifest checked both texts: they parse, and do not nest deeply.
  OrderedJson manifest = OrderedJson::parse(existing_manifest);
  const OrderedJson incoming_json = OrderedJson::parse(incoming_manifest);
  std::vector<oci::Descriptor> held = existing->layers;
  std::vector<std::string> diff_ids;
  for (const oci::Descriptor& layer : held) diff_ids.push_back(layer.digest.str());
  for (std::size_t i = 0; i < incoming->layers.size(); ++i) {
    const oci::Descriptor& layer = incoming->layers[i];
    if (std::ranges::any_of(held,
                            [&](const oci::Descriptor& mine) { return same_layer(mine, layer); })) {
      continue;
    }
    manifest["layers"].push_back(incoming_json["layers"][i]);
    diff_ids.push_back(layer.digest.str());
    held.push_back(layer);
  }
  if (held.size() == existing->layers.size()) {
    return AttachmentWrite{.manifest = std::string(existing_manifest), .blobs = {}};
  }
  manifest["mediaType"] = oci::media_type::kOciManifest;
  return with_new_config(std::move(manifest), diff_ids);
}

}  // namespace signature
