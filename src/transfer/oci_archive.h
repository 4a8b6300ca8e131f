// An ImageStore over an oci-archive: a tar of an OCI image layout (skopeo's oci-archive:FILE).
// Reading extracts the archive to a temporary directory and reads it as a layout; writing
// builds a layout in a temporary directory beside FILE and tars it to FILE at finish().
// The temporary directory goes when the store does.
#pragma once

#include <filesystem>
#include <memory>

#include "transfer/image_store.h"
#include "transfer/layout_store.h"

namespace transfer {

class OciArchiveStore final : public ImageStore {
 public:
  // `temp_root`: where to extract (empty: the system's temporary directory).
  static oci::Result<std::unique_ptr<OciArchiveStore>> open(std::filesystem::path file,
                                                            std::filesystem::path temp_root = {});
  // A new archive: FILE is replaced at finish(). `options.create` is implied.
  static oci::Result<std::unique_ptr<OciArchiveStore>> create(std::filesystem::path file,
                                                              LayoutOptions options = {});
  ~OciArchiveStore() override;
  OciArchiveStore(const OciArchiveStore&) = delete;
  OciArchiveStore& operator=(const OciArchiveStore&) = delete;

  std::string describe() const override;  // "oci-archive:FILE"

  oci::Result<client::FetchedManifest> get_manifest(std::string_view reference) override;
  oci::Result<std::vector<std::string>> list_tags() override;
  oci::Result<std::vector<oci::Descriptor>> referrers(const oci::Digest& subject) override;
  oci::Result<void> read_blob(const oci::Descriptor& blob, std::int64_t offset,
                              const client::ByteSink& sink) override;
  oci::Result<bool> has_manifest(const oci::Digest& digest) override;
  oci::Result<void> put_manifest(std::string_view body, std::string_view media_type,
                                 const oci::Digest& digest, std::string_view tag) override;
  oci::Result<bool> has_blob(const oci::Descriptor& blob) override;
  oci::Result<bool> mount_blob(const oci::Descriptor& blob, const ImageStore& from) override;
  oci::Result<std::int64_t> resume_offset(const oci::Descriptor& blob) override;
  oci::Result<void> write_blob(const oci::Descriptor& blob, std::int64_t offset,
                               const client::ByteSource& source) override;
  // Writing: tars the layout to FILE.
  oci::Result<void> finish() override;

 private:
  OciArchiveStore(std::filesystem::path file, std::filesystem::path temp, bool writing);

  const std::filesystem::path file_;
  const std::filesystem::path temp_;  // the extracted or future layout
  const bool writing_;
  std::unique_ptr<LayoutStore> layout_;
};

}  // namespace transfer
