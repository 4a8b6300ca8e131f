#include "sync/guarded_store.h"

#include <fmt/format.h>

namespace imagesync {

GuardedStore::GuardedStore(std::unique_ptr<transfer::ImageStore> inner, DestinationHealth& health,
                           std::string destination, transfer::Progress& progress)
    : inner_(std::move(inner)),
      health_(health),
      destination_(std::move(destination)),
      progress_(progress) {}

void GuardedStore::record(const oci::Error* failure) {
  if (health_.record(failure)) {
    progress_.note(fmt::format("{} is not answering ({}): its remaining images are skipped",
                               destination_, health_.down_reason().value_or("")));
  }
}

std::optional<oci::Error> GuardedStore::down_error() const {
  auto reason = health_.down_reason();
  if (!reason) return std::nullopt;
  return oci::Error{oci::ErrorCode::kInternal,
                    fmt::format("{}: destination down ({})", destination_, *reason)};
}

template <class Call>
auto GuardedStore::guarded(const Call& call) -> decltype(call()) {
  if (auto error = down_error()) return std::unexpected(std::move(*error));
  auto result = call();
  record(result ? nullptr : &result.error());
  return result;
}

oci::Result<client::FetchedManifest> GuardedStore::get_manifest(std::string_view reference) {
  return guarded([&] { return inner_->get_manifest(reference); });
}

oci::Result<std::vector<std::string>> GuardedStore::list_tags() {
  return guarded([&] { return inner_->list_tags(); });
}

oci::Result<std::vector<oci::Descriptor>> GuardedStore::referrers(const oci::Digest& subject) {
  return guarded([&] { return inner_->referrers(subject); });
}

oci::Result<void> GuardedStore::read_blob(const oci::Descriptor& blob, std::int64_t offset,
                                          const client::ByteSink& sink) {
  return guarded([&] { return inner_->read_blob(blob, offset, sink); });
}

oci::Result<bool> GuardedStore::has_manifest(const oci::Digest& digest) {
  return guarded([&] { return inner_->has_manifest(digest); });
}

oci::Result<void> GuardedStore::put_manifest(std::string_view body, std::string_view media_type,
                                             const oci::Digest& digest, std::string_view tag) {
  return guarded([&] { return inner_->put_manifest(body, media_type, digest, tag); });
}

oci::Result<bool> GuardedStore::has_blob(const oci::Descriptor& blob) {
  return guarded([&] { return inner_->has_blob(blob); });
}

oci::Result<bool> GuardedStore::mount_blob(const oci::Descriptor& blob,
                                           const transfer::ImageStore& from) {
  return guarded([&] { return inner_->mount_blob(blob, from); });
}

oci::Result<bool> GuardedStore::mount_blob_from(const oci::Descriptor& blob,
                                                std::string_view repository) {
  return guarded([&] { return inner_->mount_blob_from(blob, repository); });
}

oci::Result<std::int64_t> GuardedStore::resume_offset(const oci::Descriptor& blob) {
  return guarded([&] { return inner_->resume_offset(blob); });
}

oci::Result<void> GuardedStore::write_blob(const oci::Descriptor& blob, std::int64_t offset,
                                           const client::ByteSource& source) {
  if (auto error = down_error()) return std::unexpected(std::move(*error));
  // A write that failed because its bytes did (the source broke, or failed verification)
  // says nothing about the destination.
  bool source_failed = false;
  const client::ByteSource watched = [&](std::span<std::byte> buffer) {
    auto read = source(buffer);
    if (!read) source_failed = true;
    return read;
  };
  auto written = inner_->write_blob(blob, offset, watched);
  if (!written && source_failed) return written;
  record(written ? nullptr : &written.error());
  return written;
}

oci::Result<void> GuardedStore::finish() {
  return guarded([&] { return inner_->finish(); });
}

}  // namespace imagesync
