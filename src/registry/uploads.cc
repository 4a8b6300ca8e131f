// Upload sessions: start, append (streamed and hashed), complete, cancel, expire.
#include <chrono>

#include "oci/name.h"
#include "registry/paths.h"
#include "registry/registry.h"
#include "registry/stored_bytes.h"
#include "registry/upload_id.h"
#include "storage/capabilities.h"

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
Result<oci::Digest> rehash(storage::Driver& driver, const std::string& path, std::uint64_t size,
                           oci::DigestAlgorithm algorithm) {
  oci::DigestHasher hasher(algorithm);
  if (auto hashed = hash_stored_bytes(
          driver, path, size, [&](std::span<const std::byte> bytes) { hasher.update(bytes); });
      !hashed) {
    return std::unexpected(hashed.error());
  }
  return hasher.finish();
}

// In place of a staged writer when the blob's bytes are stored already: the bytes pushed again
// are counted (and hashed by the appender), not kept.
class VerifiedOnly final : public storage::StagedWriter {
 public:
  storage::Result<void> write(std::span<const std::byte> bytes) override {
    size_ += bytes.size();
    return {};
  }
  std::uint64_t size() const override { return size_; }
  storage::Result<void> publish() override { return {}; }

 private:
  std::uint64_t size_ = 0;
};

}  // namespace

UploadAppender::UploadAppender(std::unique_ptr<storage::Writer> writer,
                               std::unique_ptr<storage::StagedWriter> staged,
                               UploadHashes::Lease hash, std::optional<UploadClaim> claim,
                               metadata::Store& store, std::string id, std::uint64_t limit)
    : writer_(std::move(writer)),
      staged_(std::move(staged)),
      hash_(std::move(hash)),
      claim_(std::move(claim)),
      store_(store),
      id_(std::move(id)),
      limit_(limit) {}

UploadAppender::~UploadAppender() {
  if (!finished_) (void)finish();
}

Result<void> UploadAppender::write(std::span<const std::byte> bytes) {
  if (digest_) return oci::fail(ErrorCode::kInternal, "upload already hashed");
  if (limit_ != 0 && size() + bytes.size() > limit_) {
    return oci::fail(ErrorCode::kSizeInvalid, "blob exceeds the configured maximum size");
  }
  if (claim_) {
    if (auto kept = claim_->keep(); !kept) return kept;
  }
  if (auto written = staged_ ? staged_->write(bytes) : writer_->write(bytes); !written) {
    hash_.invalidate();  // part of the bytes may be on disk: rebuild from storage next time
    return storage_failure(written.error());
  }
  auto& state = hash_.state();
  state.hasher.update(bytes);
  state.size += bytes.size();
  return {};
}

std::uint64_t UploadAppender::size() const { return staged_ ? staged_->size() : writer_->size(); }

Result<std::uint64_t> UploadAppender::finish() {
  if (staged_) {
    // Bytes meant for the blob's place are no part of the upload: it stays empty.
    finished_ = true;
    staged_.reset();
    hash_.invalidate();
    return 0;
  }
  // Durable before recorded: the stored file is never shorter than the recorded size. A crash
  // in between leaves it longer, and the next append drops the unrecorded tail.
  auto size = commit();
  if (!size) return size;
  // The running hash goes with the size, so that another process (a replica) continues the
  // upload without reading its bytes back.
  const std::string hash_state = hash_.covers(*size) ? hash_.state().hasher.save() : "";
  if (auto updated = store_.update_upload(id_, *size, now_unix(), hash_state); !updated) {
    return std::unexpected(updated.error());
  }
  return size;
}

Result<std::uint64_t> UploadAppender::commit() {
  finished_ = true;
  const std::uint64_t size = writer_->size();
  if (auto committed = writer_->commit(); !committed) {
    hash_.invalidate();
    return storage_failure(committed.error());
  }
  return size;
}

Result<void> UploadAppender::touch() { return store_.touch_upload(id_, now_unix()); }

Result<oci::Digest> UploadAppender::digest() {
  if (digest_) return *digest_;
  if (!hash_.covers(size())) {
    return oci::fail(ErrorCode::kInternal, "no running digest for this upload");
  }
  digest_ = hash_.take()->hasher.finish();
  return *digest_;
}

Result<UploadState> Registry::start_upload(std::string_view repository) {
  if (auto ok = check_writable(); !ok) return std::unexpected(ok.error());
  if (auto ok = check_name(repository); !ok) return std::unexpected(ok.error());
  metadata::UploadRecord record{.id = new_upload_id(), .repository = std::string(repository)};
  record.started_at = record.updated_at = now_unix();
  if (auto created = store_.create_upload(record); !created) {
    return std::unexpected(created.error());
  }
  return UploadState{.id = record.id, .size = 0, .hash_state = {}};
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
  // The recorded size is the truth: the stored file may hold an unrecorded tail after a crash.
  std::uint64_t size = (*record)->size;
  if (size > 0) {
    // Except when the bytes are gone: a completion interrupted between moving them into place
    // and ending the session. The client starts the upload over, as it cannot complete it.
    auto stored = driver_.stat(upload_path(id));
    if (!stored && stored.error().code == sys::Errc::kNotFound) size = 0;
  }
  return UploadState{std::string(id), size, size == (*record)->size ? (*record)->hash_state : ""};
}

Result<UploadState> Registry::upload_status(std::string_view repository, std::string_view id) {
  return find_upload(repository, id);
}

Result<std::unique_ptr<UploadAppender>> Registry::append_upload(
    std::string_view repository, std::string_view id, std::optional<oci::ByteRange> range,
    std::optional<std::uint64_t> incoming, const oci::Digest* completes_as) {
  if (auto ok = check_writable(); !ok) return std::unexpected(ok.error());
  // Leased first, here and in every process sharing the database: the size read next cannot
  // change until this append is over.
  auto lease = hashes_.acquire(id);
  if (!lease) return std::unexpected(lease.error());
  std::optional<UploadClaim> claim;
  if (store_.shared()) {
    auto taken = UploadClaim::take(store_, holder_, id);
    if (!taken) return std::unexpected(taken.error());
    claim.emplace(std::move(*taken));
  }
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
    if (auto largest = storage::max_file_size(driver_);
        largest && *incoming > *largest - std::min(*largest, upload->size)) {
      return oci::fail(ErrorCode::kSizeInvalid, "blob exceeds the storage's largest object",
                       std::to_string(*largest) + " bytes");
    }
    // Only a driver whose space runs out can refuse for want of it.
    if (storage::SpaceLimitedDriver* limit = storage::space_limit(driver_)) {
      auto space = limit->free_space();
      if (space && *incoming > *space) {
        return oci::fail(ErrorCode::kSizeInvalid, "not enough storage space for this upload",
                         std::to_string(*space) + " bytes free");
      }
    }
  }
  const std::string path = upload_path(id);
  // The state the database keeps is the truth (another replica may have appended since this
  // one's state was made); this process's own serves when there is none.
  if (!lease->resume(upload->hash_state, upload->size) && !lease->covers(upload->size)) {
    // After a restart with no saved state, or when the hash and the record went apart (a
    // failed write or update): hash the recorded bytes again.
    if (auto rebuilt = lease->rebuild(driver_, path, upload->size); !rebuilt) {
      return std::unexpected(rebuilt.error());
    }
  }
  auto staged = stage_in_place(*upload, completes_as, incoming);
  if (!staged) return std::unexpected(staged.error());
  std::unique_ptr<storage::Writer> writer;
  if (!*staged) {
    auto opened = driver_.writer(path, upload->size);
    if (!opened) return storage_failure(opened.error());
    writer = std::move(*opened);
  }
  const bool in_place = *staged != nullptr;
  auto appender = std::make_unique<UploadAppender>(std::move(writer), std::move(*staged),
                                                   std::move(*lease), std::move(claim), store_,
                                                   std::string(id), options_.max_blob_bytes);
  if (in_place) appender->completes_as_ = *completes_as;
  return appender;
}

Result<std::unique_ptr<storage::StagedWriter>> Registry::stage_in_place(
    const UploadState& upload, const oci::Digest* completes_as,
    std::optional<std::uint64_t> incoming) {
  storage::StagedWriteDriver* staged = storage::staged_writes(driver_);
  // Only the running hash (SHA-256) can verify bytes that are not kept anywhere else.
  if (staged == nullptr || completes_as == nullptr || upload.size != 0 ||
      completes_as->algorithm() != oci::DigestAlgorithm::kSha256) {
    return nullptr;
  }
  const std::string target = blob_path(*completes_as);
  auto existing = driver_.stat(target);
  if (existing && incoming && existing->size == *incoming) {
    // Stored already (pushed to another repository): the bytes are only verified, and a
    // reader of the stored blob never sees its object replaced.
    return std::make_unique<VerifiedOnly>();
  }
  if (existing && !incoming) return nullptr;  // as usual: kept if its size turns out the same
  if (!existing && existing.error().code != sys::Errc::kNotFound) {
    return storage_failure(existing.error());
  }
  auto writer = staged->staged_writer(target, incoming);
  if (!writer) return storage_failure(writer.error());
  return std::move(*writer);
}

Result<BlobInfo> Registry::complete_upload(std::string_view repository,
                                           std::unique_ptr<UploadAppender> appender,
                                           std::string_view digest_text) {
  const std::string id = appender->id_;
  auto requested = oci::Digest::parse(digest_text);
  if (!requested) return std::unexpected(requested.error());
  if (appender->staged_) return publish_in_place(repository, std::move(appender), *requested);
  auto size = appender->commit();
  if (!size) return std::unexpected(size.error());
  // Held until the blob is committed: no other request appends meanwhile.
  const std::optional<UploadClaim> claim = std::move(appender->claim_);
  auto state = appender->hash_.take();
  const std::optional<oci::Digest> hashed = appender->digest_;
  appender.reset();

  const std::string path = upload_path(id);
  const bool sha256 = requested->algorithm() == oci::DigestAlgorithm::kSha256;
  Result<oci::Digest> actual = (hashed && sha256) ? Result<oci::Digest>(*hashed)
                               : (state && sha256 && state->size == *size)
                                   ? Result<oci::Digest>(state->hasher.finish())
                                   : rehash(driver_, path, *size, requested->algorithm());
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
  // Claimed before the bytes are looked for or moved: from now on GC leaves them alone.
  if (auto claimed = claim_blob(digest, size); !claimed) return std::unexpected(claimed.error());
  auto existing = driver_.stat(target);
  if (existing && existing->size == size) {
    (void)driver_.remove(from);  // the same bytes are stored already
  } else if (auto moved = driver_.move(from, target); !moved) {
    return storage_failure(moved.error());
  }
  if (auto linked = store_.complete_upload(upload_id, repository, digest.str()); !linked) {
    return std::unexpected(linked.error());
  }
  return BlobInfo{digest, size};
}

Result<BlobInfo> Registry::publish_in_place(std::string_view repository,
                                            std::unique_ptr<UploadAppender> appender,
                                            const oci::Digest& requested) {
  const std::string id = appender->id_;
  // Held until the blob is linked or the upload cancelled: no other request appends meanwhile.
  const std::optional<UploadClaim> claim = std::move(appender->claim_);
  auto actual = appender->digest();
  // The bytes went to the place of the digest announced when the upload was opened: only that
  // digest can complete it.
  if (actual && (*actual != requested || appender->completes_as_ != requested)) {
    appender.reset();  // nothing was published; the upload is as empty as before
    (void)cancel_upload(repository, id);
    return oci::fail(ErrorCode::kDigestInvalid, "digest does not match the uploaded content",
                     "computed " + actual->str());
  }
  if (!actual) return std::unexpected(actual.error());
  const std::uint64_t size = appender->size();
  appender->finished_ = true;
  // Claimed before the bytes are published: from now on GC leaves them alone.
  if (auto claimed = claim_blob(requested, size); !claimed) return std::unexpected(claimed.error());
  const bool verified_only = dynamic_cast<VerifiedOnly*>(appender->staged_.get()) != nullptr;
  if (auto published = appender->staged_->publish(); !published) {
    return storage_failure(published.error());
  }
  // Bytes only verified stand for stored ones, which GC may have removed before the claim.
  if (verified_only && !driver_.stat(blob_path(requested))) {
    appender.reset();
    (void)cancel_upload(repository, id);
    return oci::fail(ErrorCode::kTooManyRequests,
                     "the stored blob was garbage collected meanwhile; push it again",
                     requested.str());
  }
  appender.reset();
  if (auto linked = store_.complete_upload(id, repository, requested.str()); !linked) {
    return std::unexpected(linked.error());
  }
  hashes_.forget(id);
  return BlobInfo{requested, size};
}

Result<void> Registry::cancel_upload(std::string_view repository, std::string_view id) {
  if (auto ok = check_writable(); !ok) return ok;
  auto upload = find_upload(repository, id);
  if (!upload) return std::unexpected(upload.error());
  hashes_.forget(id);
  if (auto removed = driver_.remove(upload_path(id)); !removed) {
    return storage_failure(removed.error());
  }
  return store_.delete_upload(id);
}

Result<std::unique_ptr<storage::Reader>> Registry::read_upload(std::string_view id,
                                                               std::uint64_t offset) {
  if (!is_valid_upload_id(id)) {
    return oci::fail(ErrorCode::kBlobUploadUnknown, "upload unknown",
                     std::string(id.substr(0, 64)));
  }
  auto reader = driver_.reader(upload_path(id), offset);
  if (!reader) return storage_failure(reader.error());
  return std::move(*reader);
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
