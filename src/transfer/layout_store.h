// An ImageStore over an OCI image layout directory (image-spec image-layout.md): "oci-layout",
// "index.json" and "blobs/<alg>/<hex>", read and written the way skopeo's oci:DIR[:NAME] does.
// Names are the ref.name annotations of index.json (layout_index.h).
//
// Writes are durable and all-or-nothing: a blob goes to "<hex>.partial", hashed while written,
// fsynced, verified against its digest and size, then renamed into place; a .partial left by
// an interrupted write is resumed (its bytes hashed again first). index.json is replaced
// atomically whenever a name or a referrer is added. Thread-safe.
//
// Referrers are the manifests listed in index.json whose subject is the digest asked for;
// referrer manifests written here are listed in index.json (unnamed) for that reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "transfer/image_store.h"
#include "transfer/layout_index.h"

namespace transfer {

struct LayoutOptions {
  // Writing: the directory and an empty layout are created when missing.
  bool create = false;
  // Other layouts whose blobs and manifests count as present here (has_blob, has_manifest,
  // read_blob): an air-gap archive made --since an earlier one leaves out what that one holds.
  std::vector<std::filesystem::path> also_present_in;
};

class LayoutStore final : public ImageStore {
 public:
  static oci::Result<std::unique_ptr<LayoutStore>> open(std::filesystem::path directory,
                                                        LayoutOptions options = {});

  // index.json of the layout in `directory`, parsed (errors name the layout).
  static oci::Result<LayoutIndex> read_index(const std::filesystem::path& directory);

  const std::filesystem::path& directory() const { return directory_; }

  std::string describe() const override;  // "oci:DIR"

  // `reference`: a digest, a ref.name, or "" for the one image of a layout that holds one.
  oci::Result<client::FetchedManifest> get_manifest(std::string_view reference) override;
  oci::Result<std::vector<std::string>> list_tags() override;
  oci::Result<std::vector<oci::Descriptor>> referrers(const oci::Digest& subject) override;
  oci::Result<void> read_blob(const oci::Descriptor& blob, std::int64_t offset,
                              const client::ByteSink& sink) override;

  oci::Result<bool> has_manifest(const oci::Digest& digest) override;
  // Tagged manifests are named in index.json; an untagged one is stored as a blob only,
  // unless it is a referrer (it has a subject), which is listed unnamed.
  oci::Result<void> put_manifest(std::string_view body, std::string_view media_type,
                                 const oci::Digest& digest, std::string_view tag) override;
  oci::Result<bool> has_blob(const oci::Descriptor& blob) override;
  oci::Result<bool> mount_blob(const oci::Descriptor& blob, const ImageStore& from) override;
  oci::Result<std::int64_t> resume_offset(const oci::Descriptor& blob) override;
  // A source error with kDigestInvalid or kSizeInvalid (bytes known to be wrong) drops the
  // .partial; any other error keeps it for a resume.
  oci::Result<void> write_blob(const oci::Descriptor& blob, std::int64_t offset,
                               const client::ByteSource& source) override;
  oci::Result<void> finish() override;

 private:
  LayoutStore(std::filesystem::path directory, LayoutOptions options, LayoutIndex index);

  std::filesystem::path blob_path(const std::filesystem::path& layout,
                                  const oci::Digest& digest) const;
  // The first of this layout and the also-present ones that holds the blob file.
  std::optional<std::filesystem::path> find_blob(const oci::Digest& digest) const;
  oci::Result<client::FetchedManifest> read_manifest(const oci::Digest& digest,
                                                     std::string media_type);
  oci::Result<void> write_blob_file(const oci::Descriptor& blob, std::int64_t offset,
                                    const client::ByteSource& source);
  oci::Result<void> save_index();  // mutex_ held
  // What the referrers listing needs of a manifest, read once per digest.
  struct ManifestFacts {
    std::optional<oci::Digest> subject;
    std::string artifact_type;
    nlohmann::json annotations;
  };
  const ManifestFacts& facts_of(const oci::Descriptor& entry);  // mutex_ held

  const std::filesystem::path directory_;
  const LayoutOptions options_;
  std::mutex mutex_;
  LayoutIndex index_;
  bool index_dirty_ = false;
  std::map<std::string, ManifestFacts> facts_;  // by manifest digest
  std::set<std::string> writing_;               // blobs being written
};

}  // namespace transfer
