// One repository of this process's own registry (registry::Registry) as an ImageStore, so
// that sync/ and mirror/ write into its storage and metadata directly, without HTTP: the
// same validation as a push (a manifest's pieces must be there, a blob's digest is checked
// before it becomes visible), through RegistryThreads for every call that reaches the
// metadata store. Blob bytes are written and hashed on the caller's thread.
#pragma once

#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "registry/registry.h"
#include "transfer/image_store.h"
#include "transfer/registry_threads.h"

namespace transfer {

class LocalRegistryStore final : public ImageStore {
 public:
  // A stop request fails the calls made after it and the blob being written ("shutting
  // down"), so that a copy in progress ends quickly.
  LocalRegistryStore(registry::Registry& registry, RegistryThreads& threads, std::string repository,
                     std::stop_token stop = {});

  const std::string& repository() const { return repository_; }

  // "local:<repository>"
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
  // Mounts from another repository of the same registry; links bytes the registry stores
  // already under any other repository whatever `from` is (no copy of a shared layer).
  oci::Result<bool> mount_blob(const oci::Descriptor& blob, const ImageStore& from) override;
  // Always 0: a write that fails is cancelled, so there is nothing to resume.
  oci::Result<std::int64_t> resume_offset(const oci::Descriptor& blob) override;
  oci::Result<void> write_blob(const oci::Descriptor& blob, std::int64_t offset,
                               const client::ByteSource& source) override;

 private:
  oci::Result<void> check_running() const;
  oci::Result<void> stream_into_upload(const oci::Descriptor& blob, const std::string& upload_id,
                                       const client::ByteSource& source);

  registry::Registry& registry_;
  RegistryThreads& threads_;
  std::string repository_;
  std::stop_token stop_;
};

}  // namespace transfer
