// Copies one image (a manifest, or an index and its platforms) with its referrers and its
// cosign attachment tags (sha256-<hex>.sig, .att, .sbom) from one
// ImageStore to one or several others: blobs a destination has are skipped, blobs in the same
// registry are mounted, the rest stream through verification in parallel up to `jobs` at a
// time; manifests are written children first, so a destination never holds a manifest whose
// pieces are missing. With several destinations everything is read from the source once:
// the manifests, and each blob, fanned out to every destination that lacks it
// (fan_out_blob.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oci/digest.h"
#include "oci/error.h"
#include "transfer/blob_homes.h"
#include "transfer/image_store.h"
#include "transfer/progress.h"

namespace transfer {

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;  // may be empty
  // "linux/arm64/v8"
  static oci::Result<Platform> parse(std::string_view text);
};

struct CopyOptions {
  // With an index: false copies only the manifest for `platform` (the host's by default:
  // linux/amd64), like skopeo; true copies the index and every child, digests unchanged.
  bool all = false;
  std::optional<Platform> platform;
  bool referrers = true;  // signatures/SBOMs of every copied manifest
  // cosign's tags of every copied manifest (sha256-<hex>.sig, .att, .sbom), same tag there.
  bool attachments = true;
  int jobs = 4;                                  // blobs moved at once
  std::int64_t chunk_size = 32LL * 1024 * 1024;  // registry uploads above this are chunked
  // Shared by the copies of one run (sync): blobs one copy put into a registry are mounted by
  // the others instead of read again (blob_homes.h). May be null.
  BlobHomes* homes = nullptr;
};

struct CopyStats {
  int manifests = 0;
  int blobs_copied = 0;
  int blobs_skipped = 0;  // already at the destination
  int blobs_mounted = 0;
  std::int64_t bytes_copied = 0;
  CopyStats& operator+=(const CopyStats& other);
};

struct CopyResult {
  oci::Digest digest;  // of the top manifest written to the destination
  std::string media_type;
  CopyStats stats;
  // Every manifest of the image written, children before their index, `digest` last (the
  // referrers and attachments copied along are not among them): what a signing copy signs.
  std::vector<oci::Digest> manifests{};
};

// `source_reference` is a tag or digest in `source`; `destination_tag` may be empty (the
// image is then stored by digest only).
oci::Result<CopyResult> copy_image(ImageStore& source, std::string_view source_reference,
                                   ImageStore& destination, std::string_view destination_tag,
                                   const CopyOptions& options, Progress& progress);

struct CopyTarget {
  ImageStore* store = nullptr;
  std::string tag;  // may be empty: by digest only
};

// The image to every target, read once. results[i] is targets[i]'s: a target that fails
// drops out of the copy and the others go on; a failure at the source fails them all.
std::vector<oci::Result<CopyResult>> copy_image_to_all(ImageStore& source,
                                                       std::string_view source_reference,
                                                       std::span<const CopyTarget> targets,
                                                       const CopyOptions& options,
                                                       Progress& progress);

}  // namespace transfer
