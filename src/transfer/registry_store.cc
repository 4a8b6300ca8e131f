#include "transfer/registry_store.h"

#include <algorithm>
#include <array>
#include <cstddef>

#include <fmt/format.h>

#include "oci/manifest.h"
#include "transfer/referrers_tag.h"

namespace transfer {
namespace {

// An upload session the registry will not continue: gone (expired, cancelled, another
// registry behind the name), or broken. CNCF distribution answers BLOB_UPLOAD_INVALID once a
// PATCH that failed half-way left more bytes in the upload than its state records.
bool session_is_dead(const oci::Error& error) {
  return error.code == oci::ErrorCode::kBlobUploadUnknown ||
         error.code == oci::ErrorCode::kBlobUploadInvalid ||
         error.code == oci::ErrorCode::kNotFound;
}

}  // namespace

RegistryStore::RegistryStore(std::shared_ptr<client::RegistryClient> client, std::string repository,
                             std::shared_ptr<const UploadJournal> journal, std::int64_t chunk_size)
    : client_(std::move(client)),
      repository_(std::move(repository)),
      journal_(std::move(journal)),
      chunk_size_(chunk_size > 0 ? chunk_size : kDefaultChunkSize) {}

std::string RegistryStore::describe() const {
  return fmt::format("docker://{}/{}", host(), repository_);
}

oci::Result<client::FetchedManifest> RegistryStore::get_manifest(std::string_view reference) {
  return client_->get_manifest(repository_, reference);
}

oci::Result<std::vector<std::string>> RegistryStore::list_tags() {
  return client_->list_tags(repository_);
}

oci::Result<std::vector<oci::Descriptor>> RegistryStore::referrers(const oci::Digest& subject) {
  return client_->referrers(repository_, subject);
}

oci::Result<void> RegistryStore::read_blob(const oci::Descriptor& blob, std::int64_t offset,
                                           const client::ByteSink& sink) {
  return client_->get_blob(repository_, blob.digest, offset, sink);
}

oci::Result<bool> RegistryStore::has_manifest(const oci::Digest& digest) {
  oci::Result<std::optional<client::ManifestHead>> head =
      client_->head_manifest(repository_, digest.str());
  if (!head) return std::unexpected(head.error());
  return head->has_value();
}

oci::Result<void> RegistryStore::put_manifest(std::string_view body, std::string_view media_type,
                                              const oci::Digest& digest, std::string_view tag) {
  // By digest first: a tag then never points at something the registry refused.
  bool subject_indexed = false;
  for (const std::string& reference : {digest.str(), std::string(tag)}) {
    if (reference.empty()) continue;
    oci::Result<client::StoredManifest> stored =
        client_->put_manifest(repository_, reference, body, media_type);
    if (!stored) return std::unexpected(stored.error());
    if (stored->digest != digest) {
      return oci::fail(oci::ErrorCode::kDigestInvalid,
                       fmt::format("{}: the registry stored manifest {} as {}", describe(),
                                   digest.str(), stored->digest.str()));
    }
    subject_indexed = subject_indexed || stored->subject_indexed;
  }
  auto manifest = oci::parse_manifest(body, media_type);
  if (subject_indexed || !manifest || !manifest->subject) return {};
  oci::Descriptor referrer{.media_type = manifest->media_type,
                           .digest = digest,
                           .size = static_cast<std::int64_t>(body.size()),
                           .urls = {},
                           .artifact_type = manifest->artifact_type,
                           .annotations = manifest->annotations};
  return add_to_referrers_tag(*client_, repository_, manifest->subject->digest, referrer);
}

oci::Result<bool> RegistryStore::has_blob(const oci::Descriptor& blob) {
  oci::Result<std::optional<std::int64_t>> size = client_->head_blob(repository_, blob.digest);
  if (!size) return std::unexpected(size.error());
  return size->has_value();
}

oci::Result<bool> RegistryStore::mount_blob(const oci::Descriptor& blob, const ImageStore& from) {
  const auto* other = dynamic_cast<const RegistryStore*>(&from);
  if (other == nullptr || other->host() != host()) return false;
  return mount_blob_from(blob, other->repository_);
}

std::optional<ImageStore::MountPoint> RegistryStore::mount_point() const {
  return MountPoint{"docker://" + host(), repository_};
}

oci::Result<bool> RegistryStore::mount_blob_from(const oci::Descriptor& blob,
                                                 std::string_view repository) {
  if (repository == repository_) return false;
  oci::Result<bool> mounted = client_->mount_blob(repository_, blob.digest, repository);
  // A refused mount (no pull on the source repository for these credentials, a registry
  // without mounts) is no reason to fail the copy: the blob is sent instead, as skopeo does.
  if (!mounted && (mounted.error().code == oci::ErrorCode::kUnauthorized ||
                   mounted.error().code == oci::ErrorCode::kDenied ||
                   mounted.error().code == oci::ErrorCode::kUnsupported ||
                   mounted.error().code == oci::ErrorCode::kNotFound ||
                   mounted.error().code == oci::ErrorCode::kBlobUnknown ||
                   mounted.error().code == oci::ErrorCode::kNameUnknown)) {
    return false;
  }
  return mounted;
}

oci::Result<std::int64_t> RegistryStore::resume_offset(const oci::Descriptor& blob) {
  if (!journal_) return 0;
  const std::optional<std::string> location = journal_->find(host(), repository_, blob.digest);
  if (!location) return 0;
  oci::Result<client::UploadSession> status = client_->upload_status(repository_, *location);
  if (!status) {
    if (session_is_dead(status.error())) {
      journal_forget(blob.digest);
      return 0;
    }
    return std::unexpected(status.error());
  }
  if (status->offset < 0 || status->offset > blob.size) {
    journal_forget(blob.digest);
    return 0;
  }
  return status->offset;
}

oci::Result<void> RegistryStore::write_blob(const oci::Descriptor& blob, std::int64_t offset,
                                            const client::ByteSource& source) {
  if (offset == 0 && blob.size <= chunk_size_) {
    return client_->upload_blob(repository_, blob.digest, blob.size, source);
  }
  return write_chunked(blob, offset, source);
}

oci::Result<void> RegistryStore::write_chunked(const oci::Descriptor& blob, std::int64_t offset,
                                               const client::ByteSource& source) {
  const std::optional<std::string> journalled =
      journal_ ? journal_->find(host(), repository_, blob.digest) : std::nullopt;
  client::UploadSession session;
  if (offset > 0) {
    if (!journalled) {
      return oci::fail(oci::ErrorCode::kBlobUploadUnknown,
                       fmt::format("{}: no upload of {} to resume", describe(), blob.digest.str()));
    }
    oci::Result<client::UploadSession> status = client_->upload_status(repository_, *journalled);
    if (!status) {
      // The next attempt's resume_offset then says 0 and the upload starts over.
      if (session_is_dead(status.error())) journal_forget(blob.digest);
      return std::unexpected(status.error());
    }
    if (status->offset != offset) {
      return oci::fail(oci::ErrorCode::kBlobUploadInvalid,
                       fmt::format("{}: the upload of {} is at byte {}, not at {}", describe(),
                                   blob.digest.str(), status->offset, offset));
    }
    session = std::move(*status);
  } else {
    if (journalled) {
      // Starting over: the old session would only hold space until the registry expires it.
      const client::UploadSession old{repository_, *journalled, 0};
      (void)client_->cancel_upload(old);
    }
    oci::Result<client::UploadSession> started = client_->start_upload(repository_);
    if (!started) return std::unexpected(started.error());
    session = std::move(*started);
  }
  journal_record(blob.digest, session);

  // Bytes known to be wrong are not worth resuming; any other failure keeps the session
  // in the journal for a later resume_offset.
  const auto give_up = [&](oci::Error error) -> oci::Result<void> {
    if (error.code == oci::ErrorCode::kDigestInvalid ||
        error.code == oci::ErrorCode::kSizeInvalid) {
      (void)client_->cancel_upload(session);
      journal_forget(blob.digest);
    }
    return std::unexpected(std::move(error));
  };
  while (session.offset < blob.size) {
    const std::int64_t length = std::min(chunk_size_, blob.size - session.offset);
    if (oci::Result<void> sent = client_->upload_chunk(session, length, source); !sent) {
      return give_up(std::move(sent.error()));
    }
    journal_record(blob.digest, session);
  }
  // The source must end here: more bytes mean the descriptor's size is wrong, and a source
  // that verifies what it streamed reports a mismatch only when asked past the end.
  std::array<std::byte, 1> probe{};
  oci::Result<std::size_t> extra = source(probe);
  if (!extra) return give_up(std::move(extra.error()));
  if (*extra != 0) {
    return give_up(oci::Error{oci::ErrorCode::kSizeInvalid,
                              fmt::format("{}: blob {} has more than its {} bytes", describe(),
                                          blob.digest.str(), blob.size)});
  }
  oci::Result<void> finished = client_->finish_upload(session, blob.digest);
  // A registry that answered (digest or size refused, session gone) will not take this
  // session again; a transport failure may have left it open.
  if (finished || finished.error().code != oci::ErrorCode::kInternal) {
    journal_forget(blob.digest);
  }
  return finished;
}

void RegistryStore::journal_record(const oci::Digest& digest,
                                   const client::UploadSession& session) const {
  // Best effort: without the entry the upload still completes, it just cannot be resumed.
  if (journal_) (void)journal_->record(host(), repository_, digest, session.location);
}

void RegistryStore::journal_forget(const oci::Digest& digest) const {
  if (journal_) journal_->forget(host(), repository_, digest);
}

}  // namespace transfer
