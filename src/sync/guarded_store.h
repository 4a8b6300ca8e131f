// A sync destination's ImageStore that reports every request's outcome to the destination's
// health (destination_health.h) and, once the destination is down, fails every call at once
// ("destination down") instead of asking it again.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sync/destination_health.h"
#include "transfer/image_store.h"
#include "transfer/progress.h"

namespace imagesync {

class GuardedStore final : public transfer::ImageStore {
 public:
  // `destination` names it in the note made when it goes down.
  GuardedStore(std::unique_ptr<transfer::ImageStore> inner, DestinationHealth& health,
               std::string destination, transfer::Progress& progress);

  std::string describe() const override { return inner_->describe(); }

  oci::Result<client::FetchedManifest> get_manifest(std::string_view reference) override;
  oci::Result<std::vector<std::string>> list_tags() override;
  oci::Result<std::vector<oci::Descriptor>> referrers(const oci::Digest& subject) override;
  oci::Result<void> read_blob(const oci::Descriptor& blob, std::int64_t offset,
                              const client::ByteSink& sink) override;

  oci::Result<bool> has_manifest(const oci::Digest& digest) override;
  oci::Result<void> put_manifest(std::string_view body, std::string_view media_type,
                                 const oci::Digest& digest, std::string_view tag) override;
  oci::Result<bool> has_blob(const oci::Descriptor& blob) override;
  oci::Result<bool> mount_blob(const oci::Descriptor& blob,
                               const transfer::ImageStore& from) override;
  std::optional<MountPoint> mount_point() const override { return inner_->mount_point(); }
  oci::Result<bool> mount_blob_from(const oci::Descriptor& blob,
                                    std::string_view repository) override;
  oci::Result<std::int64_t> resume_offset(const oci::Descriptor& blob) override;
  oci::Result<void> write_blob(const oci::Descriptor& blob, std::int64_t offset,
                               const client::ByteSource& source) override;
  oci::Result<void> finish() override;

 private:
  // Runs `call` unless the destination is down, and records what came of it.
  template <class Call>
  auto guarded(const Call& call) -> decltype(call());
  void record(const oci::Error* failure);
  // The error every call gets once the destination is down.
  std::optional<oci::Error> down_error() const;

  std::unique_ptr<transfer::ImageStore> inner_;
  DestinationHealth& health_;
  const std::string destination_;
  transfer::Progress& progress_;
};

}  // namespace imagesync
