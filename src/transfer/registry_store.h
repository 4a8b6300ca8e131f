// One repository of a registry as an ImageStore, over a RegistryClient shared per host.
// Blobs up to the chunk size go up in one request; larger ones in chunks, with the upload's
// location journalled so that a later run resumes where the registry says it got.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/registry_client.h"
#include "transfer/image_store.h"
#include "transfer/upload_journal.h"

namespace transfer {

inline constexpr std::int64_t kDefaultChunkSize = 32LL * 1024 * 1024;

class RegistryStore final : public ImageStore {
 public:
  // `journal` may be null: chunked uploads then do not survive the process.
  RegistryStore(std::shared_ptr<client::RegistryClient> client, std::string repository,
                std::shared_ptr<const UploadJournal> journal,
                std::int64_t chunk_size = kDefaultChunkSize);

  const std::shared_ptr<client::RegistryClient>& client() const { return client_; }
  const std::string& host() const { return client_->options().host; }
  const std::string& repository() const { return repository_; }

  std::string describe() const override;

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
  std::optional<MountPoint> mount_point() const override;
  oci::Result<bool> mount_blob_from(const oci::Descriptor& blob,
                                    std::string_view repository) override;
  oci::Result<std::int64_t> resume_offset(const oci::Descriptor& blob) override;
  oci::Result<void> write_blob(const oci::Descriptor& blob, std::int64_t offset,
                               const client::ByteSource& source) override;

 private:
  oci::Result<void> write_chunked(const oci::Descriptor& blob, std::int64_t offset,
                                  const client::ByteSource& source);
  void journal_record(const oci::Digest& digest, const client::UploadSession& session) const;
  void journal_forget(const oci::Digest& digest) const;

  std::shared_ptr<client::RegistryClient> client_;
  std::string repository_;
  std::shared_ptr<const UploadJournal> journal_;
  std::int64_t chunk_size_;
};

}  // namespace transfer
