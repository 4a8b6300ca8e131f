// What a tag row says of the manifest it points at, and the pieces the image view shares:
// artifact type, platforms, and the compressed size of everything the manifest pulls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ui/manifest_reader.h"
#include "ui/view_text.h"

namespace ui {

struct ManifestSummary {
  std::string artifact_type;
  std::vector<std::string> platforms;  // "linux/amd64", ...; none for artifacts
  std::uint64_t total_size = 0;
};

// The manifest's artifactType or, for an artifact, its config's media type when that is not
// an image config; "" for images and for indexes without one.
std::string artifact_type(const LoadedManifest& manifest);

// The platform an image manifest's config names (empty for artifacts and unreadable configs).
Platform image_platform(ManifestReader& reader, const LoadedManifest& image);

// The platform of an index's i-th child, as both views show it: the descriptor's `platform`
// when it names an os, else (when this repository holds the child and it is an image) the one
// its config names; empty otherwise.
oci::Result<Platform> child_platform(ManifestReader& reader, const LoadedManifest& index,
                                     std::size_t i);

// Totals stop here rather than wrap: descriptors declare sizes up to 2^63, and beyond 2^53 a
// JSON number is no longer exact in JavaScript (Number.MAX_SAFE_INTEGER).
inline constexpr std::uint64_t kMaxTotalSize = (std::uint64_t{1} << 53) - 1;

// The manifest's own bytes, its config and layers and, for an index, every child this
// repository holds with theirs: each distinct digest counted once; at most kMaxTotalSize.
oci::Result<std::uint64_t> total_size(ManifestReader& reader, const LoadedManifest& manifest);

// For an index: its children's platforms (child_platform), "unknown/unknown" left out; for an
// image: its config's; for an artifact: none.
oci::Result<ManifestSummary> summarize(ManifestReader& reader, const LoadedManifest& manifest);

}  // namespace ui
