// What one view reads of a repository's manifests, each at most once (a tag list names the same
// image under many tags, an index's children share layers), and of its image configs: each
// read whole when asked for, only the platform it names kept.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "oci/manifest.h"
#include "registry/registry.h"
#include "ui/view_text.h"

namespace ui {

// Image configs are read whole; one bigger than this is not (config_error says so).
inline constexpr std::uint64_t kMaxConfigBytes = std::uint64_t{4} << 20;

// What one view may read and walk: the bytes of the manifests and configs it parses, and the
// descriptors it follows. Manifests crafted to reach the same big manifests or configs again and
// again would otherwise cost minutes of a thread per request.
inline constexpr std::uint64_t kMaxViewBytes = std::uint64_t{256} << 20;
inline constexpr std::uint64_t kMaxViewDescriptors = 4'000'000;

struct LoadedManifest {
  std::string digest;
  std::string media_type;  // as stored
  std::uint64_t size = 0;  // its own bytes
  oci::Manifest parsed;
  nlohmann::json json;  // the stored manifest, parsed

  bool is_index() const { return parsed.kind == oci::media_type::ManifestKind::kIndex; }
  // The JSON of the index's i-th child descriptor (members parse_manifest does not keep, as
  // `platform`); null when there is none.
  const nlohmann::json& child_json(std::size_t i) const;
};

// An image config read for a view: its JSON, or why there is none.
struct LoadedConfig {
  nlohmann::json json;  // null when it could not be read
  std::string error;    // why, when json is null
};

// Whether a config media type is an image's (OCI or Docker), not an artifact's.
bool is_image_config(std::string_view media_type);

class ManifestReader {
 public:
  ManifestReader(registry::Registry& registry, std::string repository,
                 std::uint64_t max_bytes = kMaxViewBytes)
      : registry_(registry), repository_(std::move(repository)), max_bytes_(max_bytes) {}

  registry::Registry& registry() { return registry_; }
  const std::string& repository() const { return repository_; }

  // The manifest a tag or digest names; Registry::get_manifest's errors (kManifestUnknown),
  // kInternal when its stored bytes do not parse.
  oci::Result<const LoadedManifest*> manifest(std::string_view reference);
  // The manifest of `digest` when the repository holds it, nullptr when it does not.
  oci::Result<const LoadedManifest*> held(const std::string& digest);
  // Counts `count` descriptors followed against kMaxViewDescriptors; kSizeInvalid once over.
  oci::Result<void> follow(std::uint64_t count);
  // Forgets the manifests read so far (what manifest() and held() returned is gone): a view
  // that is done with them keeps no more than it needs.
  void forget_manifests() { manifests_.clear(); }

  // The image config `descriptor` names, read with kMaxConfigBytes as the limit (each call
  // reads it again; only its platform is kept). Once the view has read its bytes (kMaxViewBytes),
  // configs are not read any more (their error says so).
  LoadedConfig config(const oci::Descriptor& descriptor);
  // The platform the image config names (empty when it cannot be read): read once.
  Platform config_platform(const oci::Descriptor& descriptor);

 private:
  registry::Registry& registry_;
  std::string repository_;
  std::map<std::string, LoadedManifest, std::less<>> manifests_;  // by digest
  std::map<std::string, Platform, std::less<>> platforms_;        // by config digest
  std::uint64_t max_bytes_;
  std::uint64_t bytes_read_ = 0;  // of manifests and configs
  std::uint64_t descriptors_followed_ = 0;
};

}  // namespace ui
