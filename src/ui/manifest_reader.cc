#include "ui/manifest_reader.h"

#include "oci/json_depth.h"

namespace ui {
namespace {

constexpr std::string_view kOciImageConfig = "application/vnd.oci.image.config.v1+json";
constexpr std::string_view kDockerImageConfig = "application/vnd.docker.container.image.v1+json";

// JSON someone pushed, parsed only when it nests no deeper than real documents do.
nlohmann::json parse_untrusted(std::string_view text) {
  if (oci::json_nests_deeper_than(text)) return nlohmann::json::value_t::discarded;
  return nlohmann::json::parse(text, nullptr, false);
}

}  // namespace

const nlohmann::json& LoadedManifest::child_json(std::size_t i) const {
  static const nlohmann::json kNone;
  const auto children = json.find("manifests");
  if (children == json.end() || !children->is_array() || i >= children->size()) return kNone;
  return (*children)[i];
}

bool is_image_config(std::string_view media_type) {
  const std::string_view essence = oci::media_type::essence(media_type);
  return essence == kOciImageConfig || essence == kDockerImageConfig;
}

oci::Result<const LoadedManifest*> ManifestReader::manifest(std::string_view reference) {
  if (const auto it = manifests_.find(reference); it != manifests_.end()) return &it->second;
  auto content = registry_.get_manifest(repository_, reference);
  if (!content) return std::unexpected(content.error());
  const std::string& digest = content->digest.str();
  if (const auto it = manifests_.find(digest); it != manifests_.end()) return &it->second;
  const std::string& bytes = *content->bytes;
  bytes_read_ += bytes.size();
  if (bytes_read_ > max_bytes_) {
    return oci::fail(oci::ErrorCode::kSizeInvalid,
                     "this view would read more manifests and configs than it may (" +
                         std::to_string(max_bytes_ >> 20) +
                         " MiB); read the manifests through /v2/ instead",
                     digest);
  }
  auto parsed = oci::parse_manifest(bytes, content->media_type);
  nlohmann::json json = parse_untrusted(bytes);
  if (!parsed || json.is_discarded()) {
    return oci::fail(oci::ErrorCode::kInternal, "stored manifest does not parse", digest);
  }
  LoadedManifest loaded{digest, std::move(content->media_type), bytes.size(), std::move(*parsed),
                        std::move(json)};
  return &manifests_.emplace(digest, std::move(loaded)).first->second;
}

oci::Result<const LoadedManifest*> ManifestReader::held(const std::string& digest) {
  auto found = manifest(digest);
  if (!found && found.error().code == oci::ErrorCode::kManifestUnknown) {
    return static_cast<const LoadedManifest*>(nullptr);
  }
  return found;
}

LoadedConfig ManifestReader::config(const oci::Descriptor& descriptor) {
  const std::string& digest = descriptor.digest.str();
  LoadedConfig loaded;
  if (bytes_read_ > max_bytes_) {
    loaded.error = "not read: this view read as many manifests and configs as it may";
    platforms_.insert_or_assign(digest, Platform{});
    return loaded;
  }
  auto bytes = registry_.read_small_blob(repository_, digest, kMaxConfigBytes);
  if (bytes) bytes_read_ += bytes->size();
  if (!bytes && bytes.error().code == oci::ErrorCode::kBlobUnknown) {
    loaded.error = "config blob not held by this repository";
  } else if (!bytes && bytes.error().code == oci::ErrorCode::kSizeInvalid) {
    loaded.error = "config larger than " + std::to_string(kMaxConfigBytes) + " bytes";
  } else if (!bytes) {
    loaded.error = "config not readable: " + bytes.error().message;
  } else if (nlohmann::json json = parse_untrusted(*bytes); !json.is_object()) {
    loaded.error = "config is not a JSON object";
  } else {
    loaded.json = std::move(json);
  }
  platforms_.insert_or_assign(digest, Platform::from_json(loaded.json));
  return loaded;
}

oci::Result<void> ManifestReader::follow(std::uint64_t count) {
  descriptors_followed_ += count;
  if (descriptors_followed_ <= kMaxViewDescriptors) return {};
  return oci::fail(oci::ErrorCode::kSizeInvalid,
                   "this view would follow more than 4,000,000 descriptors; read the manifests "
                   "through /v2/ instead");
}

Platform ManifestReader::config_platform(const oci::Descriptor& descriptor) {
  if (const auto it = platforms_.find(descriptor.digest.str()); it != platforms_.end()) {
    return it->second;
  }
  config(descriptor);
  return platforms_.at(descriptor.digest.str());
}

}  // namespace ui
