// Parsing and validating image manifests and indexes (OCI and Docker schema 2).
// Pure: it checks what the bytes say, not whether the referenced content exists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/digest.h"
#include "oci/error.h"
#include "oci/media_type.h"

namespace oci {

struct Descriptor {
  std::string media_type;
  Digest digest;
  std::int64_t size = 0;
  std::vector<std::string> urls;  // non-distributable layers point elsewhere
  std::string artifact_type;      // empty when absent
  nlohmann::json annotations;     // null or an object

  // The descriptor as JSON ({mediaType, digest, size, artifactType?, annotations?}).
  nlohmann::json to_json() const;
};

struct Manifest {
  std::string media_type;  // resolved: the body's mediaType, else the Content-Type
  media_type::ManifestKind kind = media_type::ManifestKind::kImage;
  std::optional<Descriptor> config;   // images only
  std::vector<Descriptor> layers;     // images only
  std::vector<Descriptor> manifests;  // indexes only
  std::optional<Descriptor> subject;
  // The manifest's artifactType, else (images) the config media type; as the referrers API
  // reports it.
  std::string artifact_type;
  nlohmann::json annotations;  // null or an object
};

// Parses `body` as pushed with `content_type`. Fails with kManifestInvalid when the JSON does
// not parse, is not an object, the media types disagree, the media type is not one this
// registry stores, a descriptor is malformed (bad digest, negative size, missing fields), or
// schemaVersion is not 2.
Result<Manifest> parse_manifest(std::string_view body, std::string_view content_type);

}  // namespace oci
