// The manifest media types a registry stores, and the ones descriptors commonly carry.
#pragma once

#include <optional>
#include <string_view>

namespace oci::media_type {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciEmpty = "application/vnd.oci.empty.v1+json";

enum class ManifestKind { kImage, kIndex };

// The kind of a manifest media type this registry accepts; nullopt for any other type.
// Parameters after ';' and surrounding spaces are ignored ("...+json; charset=utf-8").
std::optional<ManifestKind> manifest_kind(std::string_view media_type);

// `media_type` without parameters and surrounding whitespace.
std::string_view essence(std::string_view media_type);

}  // namespace oci::media_type
