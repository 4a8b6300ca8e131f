// Upload sessions: start, append (streamed and hashed), complete, cancel, expire.
#include <chrono>

#include "oci/name.h"
#include "registry/paths.h"
#include "registry/registry.h"
#include "registry/stored_bytes.h"
#include "registry/upload_id.h"

namespace registry {
namespace {

using oci::ErrorCode;

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<void> check_name(std::string_view repository) {
  if (!oci::is_valid_repository_name(repository)) {
    return oci::fail(ErrorCode::kNameInvalid, "invalid repository name",
                     std::string(repository.substr(0, 256)));
  }
  return {};
}

// Hashes the complete upload again with another algorithm (e.g. the client asked for
// sha512 while the running hash is sha256). Bounded memory, one extra read.
Result<oci::Digest> rehash(storage::Driver& driver, const std::string& path,
                           oci::DigestAlgorithm algorithm) {
  oci::DigestHasher hasher(algorithm);
  if (auto size = hash_stored_bytes(driver, path, hasher); !size) {
    return std::unexpected(size.error());
  }
  return hasher.finish();
}

}  // namespace

UploadAppender::UploadAppender(std::unique_ptr<storage::Writer> writer, UploadHashes::Lease hash,
                               metadata::Store& store, std::string id, std::uint64_t limit)
    : writer_(std::move(writer)),
      hash_(std::move(hash)),
      store_(store),
      id_(std::move(id)),
      limit_(limit) {}

UploadAppender::~UploadAppender() {
  if (!finished_) (void)finish();
}

Result<void> UploadAppender::write(std::span<const std::byte> bytes) {
  if (limit_ != 0 && writer_->size() + bytes.size() > limit_) {
    return oci::fail(ErrorCode::kSizeInvalid, "blob exceeds the configured maximum size");
  }
  if (auto written = writer_->write(bytes); !written) {
    hash_.invalidate();  // part of the bytes may be on disk: rebuild from storage next time
    return written;
  }
  auto& state = hash_.state();
  state.hasher.update(bytes);
  state.size += bytes.size();
  return {};
}

std::uint64_t UploadAppender::size() const { return writer_->size(); }

Result<std::uint64_t> UploadAppender::finish() {
  finished_ = true;
  const std::uint64_t size = writer_->size();
  if (auto updated = store_.update_upload(id_, size, now_unix()); !updated) {
    return std::unexpected(updated.error());
  }
  return size;
}

Result<std::uint64_t> UploadAppender::commit() {
  finished_ = true;
  const std::uint64_t size = writer_->size();
  if (auto committed = writer_->commit(); !committed) {
    hash_.invalidate();
    return std::unexpected(committed.error());
  }
  return size;
}

Result<UploadState> Registry::start_upload(std::string_view repository) {
  if (auto ok = check_writable(); !ok) return std::unexpected(ok.error());
  if (auto ok = check_name(repository); !ok) return std::unexpected(ok.error());
  metadata::UploadRecord record{.id = new_upload_id(), .repository = std::string(repository)};
  record.started_at = record.updated_at = now_unix();
  if (auto created = store_.create_upload(record); !created) {
    return std::unexpected(created.error());
  }
  return UploadState{record.id, 0};
}

Result<UploadState> Registry::find_upload(std::string_view repository, std::string_view id) {
  if (auto ok = check_name(repository); !ok) return std::unexpected(ok.error());
  if (!is_valid_upload_id(id)) {
    return oci::fail(ErrorCode::kBlobUploadUnknown, "upload unknown",
                     std::string(id.substr(0, 64)));
  }
  auto record = store_.upload(id);
  if (!record) return std::unexpected(record.error());
  if (!*record || (*record)->repository != repository) {
    return oci::fail(ErrorCode::kBlobUploadUnknown, "upload unknown", std::string(id));
  }
  // The stored bytes are the truth: a crash may have come between a write and the update.
  auto info = driver_.stat(upload_path(id));
  std::uint64_t size = 0;
  if (info) {
    size = info->size;
  } else if (info.error().code != ErrorCode::kNotFound) {
    return std::unexpected(info.error());
  }
  return UploadState{std::string(id), size};
}

Result<UploadState> Registry::upload_status(std::string_view repository, std::string_view id) {
  return find_upload(repository, id);
}

Result<std::unique_ptr<UploadAppender>> Registry::append_upload(
    std::string_view repository, std::string_view id, std::optional<oci::ByteRange> range,
    std::optional<std::uint64_t> incoming) {
  if (auto ok = check_writable(); !ok) return std::unexpected(ok.error());
  auto upload = find_upload(repository, id);
  if (!upload) return std::unexpected(upload.error());
  if (range && range->first != upload->size) {
    return oci::fail(ErrorCode::kRangeInvalid, "chunk does not start at the end of the upload",
                     "upload size is " + std::to_string(upload->size));
  }
  if (incoming) {
    if (options_.max_blob_bytes != 0 &&
        *incoming > options_.max_blob_bytes - std::min(options_.max_blob_bytes, upload->size)) {
      return oci::fail(ErrorCode::kSizeInvalid, "blob exceeds the configured maximum size");
    }
    auto space = driver_.free_space();
    if (space && *incoming > *space) {
      return oci::fail(ErrorCode::kSizeInvalid, "not enough storage space for this upload",
                       std::to_string(*space) + " bytes free");
    }
  }
  const std::string path = upload_path(id);
  auto writer = driver_.writer(path, true);
  if (!writer) return std::unexpected(writer.error());
  auto lease = hashes_.acquire(id, driver_, path);
  if (!lease) return std::unexpected(lease.error());
  if ((*writer)->size() != lease->state().size) {
    // The running hash lags the file (a write failed half way): rebuild it from the file.
    lease->invalidate();
    *lease = UploadHashes::Lease();
    lease = hashes_.acquire(id, driver_, path);
    if (!lease) return std::unexpected(lease.error());
  }
  return std::make_unique<UploadAppender>(std::move(*writer), std::move(*lease), store_,
                                          std::string(id), options_.max_blob_bytes);
}

Result<BlobInfo> Registry::complete_upload(std::string_view repository,
                                           std::unique_ptr<UploadAppender> appender,
                                           std::string_view digest_text) {
  const std::string id = appender->id_;
  auto requested = oci::Digest::parse(digest_text);
  if (!requested) return std::unexpected(requested.error());
  auto size = appender->commit();
  if (!size) return std::unexpected(size.error());
  auto state = appender->hash_.take();
  appender.reset();

  const std::string path = upload_path(id);
  Result<oci::Digest> actual =
      (state && requested->algorithm() == oci::DigestAlgorithm::kSha256 && state->size == *size)
          ? Result<oci::Digest>(state->hasher.finish())
          : rehash(driver_, path, requested->algorithm());
  if (!actual) return std::unexpected(actual.error());
  if (*actual != *requested) {
    (void)cancel_upload(repository, id);
    return oci::fail(ErrorCode::kDigestInvalid, "digest does not match the uploaded content",
                     "computed " + actual->str());
  }
  auto blob = commit_blob(repository, id, *requested, *size);
  if (blob) hashes_.forget(id);
  return blob;
}

Result<BlobInfo> Registry::commit_blob(std::string_view repository, std::string_view upload_id,
                                       const oci::Digest& digest, std::uint64_t size) {
  const std::string from = upload_path(upload_id);
  const std::string target = blob_path(digest);
  auto existing = driver_.stat(target);
  if (existing && existing->size == size) {
    (void)driver_.remove(from);  // the same bytes are stored already
  } else if (auto moved = driver_.move(from, target); !moved) {
    return std::unexpected(moved.error());
  }
  if (auto linked = store_.complete_upload(upload_id, repository, digest.str(), size); !linked) {
    return std::unexpected(linked.error());
  }
  return BlobInfo{digest, size};
}

Result<void> Registry::cancel_upload(std::string_view repository, std::string_view id) {
  if (auto ok = check_writable(); !ok) return ok;
  auto upload = find_upload(repository, id);
  if (!upload) return std::unexpected(upload.error());
  hashes_.forget(id);
  if (auto removed = driver_.remove(upload_path(id)); !removed) return removed;
  return store_.delete_upload(id);
}

Result<std::size_t> Registry::purge_stale_uploads() {
  auto stale = store_.stale_uploads(now_unix() - options_.upload_expiry.count());
  if (!stale) return std::unexpected(stale.error());
  std::size_t purged = 0;
  for (const auto& upload : *stale) {
    hashes_.forget(upload.id);
    if (driver_.remove(upload_path(upload.id)) && store_.delete_upload(upload.id)) ++purged;
  }
  return purged;
}

}  // namespace registry
