// A place images are read from and written to: one repository of a registry
// (registry_store.h), one OCI image layout directory or archive (layout_store.h), or an
// ordered list of sources tried piece by piece (fallback_store.h). The copy engine moves
// manifests and blobs between any two of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/byte_stream.h"
#include "client/registry_client.h"
#include "oci/digest.h"
#include "oci/error.h"
#include "oci/manifest.h"

namespace transfer {

// A get_manifest error that means "no such manifest or tag" (404: MANIFEST_UNKNOWN, a bare
// 404, or NAME_UNKNOWN, which some registries answer for a tag they lack), not a failure.
inline bool is_manifest_absent(const oci::Error& error) {
  return error.code == oci::ErrorCode::kManifestUnknown ||
         error.code == oci::ErrorCode::kNotFound || error.code == oci::ErrorCode::kNameUnknown;
}

class ImageStore {
 public:
  virtual ~ImageStore() = default;

  // How the user would write it: "docker://quay.io/ns/app", "oci:/srv/layout".
  virtual std::string describe() const = 0;

  // --- reading
  // `reference` is a tag or a digest; a digest-addressed body is verified against it.
  virtual oci::Result<client::FetchedManifest> get_manifest(std::string_view reference) = 0;
  virtual oci::Result<std::vector<std::string>> list_tags() = 0;
  // Manifests whose subject is `subject` (signatures, SBOMs); empty when none.
  virtual oci::Result<std::vector<oci::Descriptor>> referrers(const oci::Digest& subject) = 0;
  // Streams the blob from `offset` to `sink`. Does not verify: the engine does.
  virtual oci::Result<void> read_blob(const oci::Descriptor& blob, std::int64_t offset,
                                      const client::ByteSink& sink) = 0;

  // --- writing
  virtual oci::Result<bool> has_manifest(const oci::Digest& digest) = 0;
  // Stores a manifest under its digest and, when `tag` is not empty, under the tag too.
  virtual oci::Result<void> put_manifest(std::string_view body, std::string_view media_type,
                                         const oci::Digest& digest, std::string_view tag) = 0;
  virtual oci::Result<bool> has_blob(const oci::Descriptor& blob) = 0;
  // Makes `blob` available without sending bytes when `from` is in the same registry
  // (cross-repository mount). False when that is not possible here.
  virtual oci::Result<bool> mount_blob(const oci::Descriptor& blob, const ImageStore& from) = 0;
  // Where this store sits for cross-repository mounts: stores with the same scope (a
  // registry: "docker://host") can mount blobs from one another's repositories with
  // mount_blob_from. nullopt: no mounts here.
  struct MountPoint {
    std::string scope;
    std::string repository;
  };
  virtual std::optional<MountPoint> mount_point() const { return std::nullopt; }
  // Makes `blob` available by mounting it from `repository`, another repository of this
  // store's scope. False when that is not possible.
  virtual oci::Result<bool> mount_blob_from(const oci::Descriptor& /*blob*/,
                                            std::string_view /*repository*/) {
    return false;
  }
  // How many bytes of `blob` an interrupted earlier write left here (0: start over).
  virtual oci::Result<std::int64_t> resume_offset(const oci::Descriptor& blob) = 0;
  // Writes the blob's bytes from `offset` (what resume_offset said) until `source` ends.
  // Nothing becomes visible unless the source ended without error and the whole blob hashes
  // to the descriptor's digest with the descriptor's size. On failure the partial bytes may
  // be kept for a later resume_offset.
  virtual oci::Result<void> write_blob(const oci::Descriptor& blob, std::int64_t offset,
                                       const client::ByteSource& source) = 0;
  // Called once after a copy into this store ended (archives are written out here).
  virtual oci::Result<void> finish() { return {}; }
};

}  // namespace transfer
