// What one view reads of a repository's manifests and image configs, each at most once: a tag
// list names the same image under many tags, an index's children share layers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "oci/manifest.h"
#include "registry/registry.h"

namespace ui {

// Image configs are read whole; one bigger than this is not (config_error says so).
inline constexpr std::uint64_t kMaxConfigBytes = std::uint64_t{4} << 20;

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
  ManifestReader(registry::Registry& registry, std::string repository)
      : registry_(registry), repository_(std::move(repository)) {}

  registry::Registry& registry() { return registry_; }
  const std::string& repository() const { return repository_; }

  // The manifest a tag or digest names; Registry::get_manifest's errors (kManifestUnknown),
  // kInternal when its stored bytes do not parse.
  oci::Result<const LoadedManifest*> manifest(std::string_view reference);
  // The manifest of `digest` when the repository holds it, nullptr when it does not.
  oci::Result<const LoadedManifest*> held(const std::string& digest);
  // The image config `descriptor` names, read with kMaxConfigBytes as the limit.
  const LoadedConfig& config(const oci::Descriptor& descriptor);

 private:
  registry::Registry& registry_;
  std::string repository_;
  std::map<std::string, LoadedManifest, std::less<>> manifests_;  // by digest
  std::map<std::string, LoadedConfig, std::less<>> configs_;      // by digest
};

}  // namespace ui
