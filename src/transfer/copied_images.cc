#include "transfer/copied_images.h"

#include <algorithm>
#include <string>

#include "oci/manifest.h"
#include "transfer/platform.h"

namespace transfer {
namespace {

// Indexes of indexes are allowed by the spec; walked, but not forever.
constexpr int kMaxIndexDepth = 4;

oci::Result<client::FetchedManifest> child_manifest(ImageStore& source,
                                                    const oci::Descriptor& child) {
  auto fetched = source.get_manifest(child.digest.str());
  if (!fetched) return std::unexpected(fetched.error());
  oci::DigestHasher hasher(child.digest.algorithm());
  hasher.update(fetched->body);
  if (const oci::Digest got = hasher.finish(); got != child.digest) {
    return oci::fail(oci::ErrorCode::kDigestInvalid,
                     "manifest " + child.digest.str() + ": digest mismatch: got " + got.str());
  }
  fetched->digest = child.digest;
  return fetched;
}

// `all`: every child of an index, else the chosen platform's (copy_image's one_platform: at
// the top only).
oci::Result<void> gather(ImageStore& source, client::FetchedManifest manifest,
                         const CopyOptions& options, bool all, int depth,
                         std::vector<client::FetchedManifest>& out) {
  auto parsed = oci::parse_manifest(manifest.body, manifest.media_type);
  if (!parsed) return std::unexpected(parsed.error());
  if (parsed->kind != oci::media_type::ManifestKind::kIndex) {
    const bool seen = std::ranges::any_of(
        out, [&](const client::FetchedManifest& image) { return image.digest == manifest.digest; });
    if (!seen) out.push_back(std::move(manifest));
    return {};
  }
  if (depth >= kMaxIndexDepth) {
    return oci::fail(oci::ErrorCode::kManifestInvalid,
                     "indexes nested deeper than " + std::to_string(kMaxIndexDepth));
  }
  std::vector<oci::Descriptor> children;
  if (all) {
    children = parsed->manifests;
  } else {
    // As copy_image picks it, so that the image checked is the image copied.
    auto child = select_platform(manifest.body, *parsed,
                                 options.platform.value_or(Platform{"linux", "amd64", ""}));
    if (!child) return std::unexpected(child.error());
    children.push_back(std::move(*child));
  }
  for (const oci::Descriptor& child : children) {
    auto fetched = child_manifest(source, child);
    if (!fetched) return std::unexpected(fetched.error());
    if (auto gathered = gather(source, std::move(*fetched), options, true, depth + 1, out);
        !gathered) {
      return gathered;
    }
  }
  return {};
}

}  // namespace

oci::Result<std::vector<client::FetchedManifest>> copied_images(ImageStore& source,
                                                                const client::FetchedManifest& top,
                                                                const CopyOptions& options) {
  std::vector<client::FetchedManifest> images;
  if (auto gathered = gather(source, top, options, options.all, 0, images); !gathered) {
    return std::unexpected(gathered.error());
  }
  // An index of no image would pass every check by having nothing to check: refused instead
  // (containers/image would copy it unchecked; it holds nothing to run).
  if (images.empty()) {
    return oci::fail(oci::ErrorCode::kManifestInvalid,
                     "index " + top.digest.str() + " holds no image to check");
  }
  return images;
}

}  // namespace transfer
