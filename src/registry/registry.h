// What a registry does, without HTTP: uploads, blobs, manifests, tags, referrers, listings.
// Decisions live here (is this manifest valid, may this blob be served from this repository)
// so that the HTTP API, pull-through and sync into a local store share them.
// Blob bytes go through storage::Driver, every fact through metadata::Store.
//
// Blocking: every Registry call but options() may block on the database (SQLite) or on
// storage (opening, fsync, rename, statvfs, re-hashing a stored upload after a restart), and
// so may UploadAppender's write, finish and commit and dropping an unfinished appender.
// server/ runs them on its blocking pool, never on a connection's thread. The cached_* calls
// are the exception: they answer from memory only, and never block.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metadata/store.h"
#include "oci/digest.h"
#include "oci/error.h"
#include "oci/http_range.h"
#include "oci/manifest.h"
#include "registry/gc.h"
#include "registry/manifest_cache.h"
#include "registry/storage_errors.h"
#include "registry/upload_claim.h"
#include "registry/upload_hashes.h"
#include "storage/capabilities.h"
#include "storage/driver.h"

namespace registry {

using oci::Result;

struct Options {
  std::uint64_t max_manifest_bytes = std::uint64_t{4} << 20;
  std::uint64_t max_blob_bytes = 0;  // 0 = unlimited
  bool read_only = false;
  bool delete_enabled = true;
  std::chrono::seconds upload_expiry{std::chrono::hours(24)};
  std::size_t manifest_cache_bytes = std::size_t{64} << 20;
};

struct UploadState {
  std::string id;
  std::uint64_t size = 0;  // bytes received so far
  std::string hash_state;  // the running hash of those bytes as the store keeps it, or ""
};

struct BlobInfo {
  oci::Digest digest;
  std::uint64_t size = 0;
};

struct ManifestContent {
  oci::Digest digest;
  std::string media_type;
  std::shared_ptr<const std::string> bytes;
};

struct PutManifestResult {
  oci::Digest digest;
  std::optional<std::string> subject;  // for the OCI-Subject response header
  std::string media_type;              // as the manifest declares it
  std::uint64_t size = 0;
  // Pushed by tag: where the tag pointed before (nullopt: it is new), read in the transaction
  // that moved it (events/: a tag moved, or pushed again).
  std::optional<std::string> tagged_before{};
};

struct Page {
  std::vector<std::string> items;
  bool more = false;  // another page follows
};

// An upload being appended to. Bytes are hashed and written as they come; `finish` makes them
// durable and records the new size, which is what the upload holds from then on. Dropped
// without finish (the client went away), the bytes received so far stay part of the upload,
// as the spec allows a client to resume from the status offset.
//
// Except when the bytes go straight to their content address (see append_upload's
// `completes_as`): then they are the upload's only once complete_upload publishes them, and
// an appender dropped before leaves the upload as it was.
class UploadAppender {
 public:
  // Exactly one of `writer` (the upload's file) and `staged` (the blob's place) is set.
  UploadAppender(std::unique_ptr<storage::Writer> writer,
                 std::unique_ptr<storage::StagedWriter> staged, UploadHashes::Lease hash,
                 std::optional<UploadClaim> claim, metadata::Store& store, std::string id,
                 std::uint64_t limit);
  ~UploadAppender();
  UploadAppender(const UploadAppender&) = delete;
  UploadAppender& operator=(const UploadAppender&) = delete;

  Result<void> write(std::span<const std::byte> bytes);
  std::uint64_t size() const;
  // Makes the bytes durable and records the size reached; returns it.
  Result<std::uint64_t> finish();
  // Makes every byte durable; the upload is about to complete, so no size is recorded.
  Result<std::uint64_t> commit();
  // The SHA-256 of every byte written, before they are durable: a caller streaming the bytes
  // elsewhere meanwhile (pull-through) acts on a match without waiting for commit's fsync.
  // No more writes are taken afterwards; complete_upload uses it rather than hashing again.
  Result<oci::Digest> digest();
  // Records that the upload is alive (its updated time) without recording a new size: a long
  // write by this process keeps the upload from being purged as stale meanwhile.
  Result<void> touch();
  // Dropped without making the bytes durable: the caller cancels the upload next.
  void abandon() { finished_ = true; }

 private:
  friend class Registry;
  std::unique_ptr<storage::Writer> writer_;
  std::unique_ptr<storage::StagedWriter> staged_;
  std::optional<oci::Digest> completes_as_;  // with staged_: the digest whose place it writes
  UploadHashes::Lease hash_;
  // With a shared database: held until the appender (or complete_upload) is done.
  std::optional<UploadClaim> claim_;
  metadata::Store& store_;
  std::string id_;
  std::uint64_t limit_;
  bool finished_ = false;
  std::optional<oci::Digest> digest_;
};

class Registry {
 public:
  Registry(storage::Driver& driver, metadata::Store& store, Options options);

  const Options& options() const { return options_; }

  // --- blobs (served only through a repository that links them)
  Result<BlobInfo> stat_blob(std::string_view repository, std::string_view digest);
  Result<std::unique_ptr<storage::Reader>> open_blob(const BlobInfo& blob, std::uint64_t offset);
  // A URL the client may fetch the blob's bytes from itself, valid for a while (an object
  // store's presigned URL, when storage.s3.redirect is on); nullopt to serve them here.
  std::optional<std::string> blob_url(const BlobInfo& blob);
  // Non-blocking: what stat_blob would answer when memory holds it; nullopt when only
  // stat_blob can tell (including every error).
  std::optional<BlobInfo> cached_blob(std::string_view repository, std::string_view digest);
  // The bytes of a small blob `repository` links (an image config), when it holds at most
  // `max_bytes`: kSizeInvalid when it is bigger, kBlobUnknown when not linked there.
  Result<std::string> read_small_blob(std::string_view repository, std::string_view digest,
                                      std::uint64_t max_bytes);
  Result<void> delete_blob(std::string_view repository, std::string_view digest);
  // Links a blob that `from` links into `repository`; kBlobUnknown when it cannot.
  Result<BlobInfo> mount_blob(std::string_view repository, std::string_view digest,
                              std::string_view from);
  // Links a blob whose bytes storage holds already (another repository has them) into
  // `repository`, when they are `size` bytes; false when they are not stored. For callers
  // that know the repository may have the blob: pull-through, after its upstream said so.
  Result<bool> link_stored_blob(std::string_view repository, const oci::Digest& digest,
                                std::uint64_t size);

  // --- uploads
  // Whether read_upload sees an upload's bytes as they are appended (local storage), or only
  // once the upload is complete (object storage).
  bool uploads_readable_while_written() const { return storage::readable_while_writing(driver_); }
  Result<UploadState> start_upload(std::string_view repository);
  Result<UploadState> upload_status(std::string_view repository, std::string_view id);
  // Opens the upload for appending. With a Content-Range, its first byte must be the
  // current size (kRangeInvalid otherwise). `incoming`, when the client announced it, is how
  // many bytes follow: more than the size limit or the free space allow is kSizeInvalid
  // before anything is read. `completes_as`, when the caller completes the upload with this
  // digest once the bytes are appended (a PUT or POST carrying the whole blob): on storage
  // whose moves copy (an object store), an empty upload's bytes then go straight to the
  // blob's place, published only once verified.
  Result<std::unique_ptr<UploadAppender>> append_upload(std::string_view repository,
                                                        std::string_view id,
                                                        std::optional<oci::ByteRange> range,
                                                        std::optional<std::uint64_t> incoming = {},
                                                        const oci::Digest* completes_as = nullptr);
  // Verifies the digest of everything appended and links the blob. On a mismatch the upload
  // is discarded (kDigestInvalid); nothing becomes visible.
  Result<BlobInfo> complete_upload(std::string_view repository,
                                   std::unique_ptr<UploadAppender> appender,
                                   std::string_view digest);
  Result<void> cancel_upload(std::string_view repository, std::string_view id);
  // The bytes of an upload in progress from `offset`, as far as they are written when read:
  // pull-through streams a blob to its requesters while it is still being fetched.
  Result<std::unique_ptr<storage::Reader>> read_upload(std::string_view id, std::uint64_t offset);
  // Removes sessions idle for longer than the expiry; returns how many.
  Result<std::size_t> purge_stale_uploads();

  // --- manifests
  Result<ManifestContent> get_manifest(std::string_view repository, std::string_view reference);
  // Non-blocking: what get_manifest would answer when the tag, the manifest's record and its
  // bytes are all in memory; nullopt when only get_manifest can tell (including every error).
  std::optional<ManifestContent> cached_manifest(std::string_view repository,
                                                 std::string_view reference);
  Result<PutManifestResult> put_manifest(std::string_view repository, std::string_view reference,
                                         std::string_view content_type, std::string body);
  // A manifest fetched from an upstream (pull-through): stored as put_manifest does, but its
  // blobs and child manifests are not required here, as they are fetched when asked for.
  Result<PutManifestResult> put_fetched_manifest(std::string_view repository,
                                                 std::string_view reference,
                                                 std::string_view content_type, std::string body);
  Result<void> delete_manifest(std::string_view repository, std::string_view reference);

  // --- listings
  Result<Page> tags(std::string_view repository, std::string_view after, std::size_t limit);
  Result<Page> catalog(std::string_view after, std::size_t limit);
  // Whether the repository exists (links a blob or holds a manifest).
  Result<bool> repository_exists(std::string_view repository);
  // Every tag with its digest and when it was pushed or moved, by name
  // (metadata::Store::tag_records); kNameUnknown when the repository does not exist.
  Result<std::vector<metadata::RetentionTag>> tag_records(std::string_view repository);
  // How many tags the repository has and when the newest was pushed or moved, without reading
  // its manifests (metadata::Store::tag_count); none when it does not exist.
  Result<metadata::TagCount> tag_count(std::string_view repository);

  // The bytes of the distinct blobs linked under a namespace (metadata::Store::linked_bytes).
  Result<std::uint64_t> linked_bytes(std::string_view prefix,
                                     const std::vector<std::string>& except) {
    return store_.linked_bytes(prefix, except);
  }
  // What a namespace holds, for quotas (metadata::Store::namespace_bytes, namespace_holds).
  Result<std::uint64_t> namespace_bytes(std::string_view prefix, bool subtree) {
    return store_.namespace_bytes(prefix, subtree);
  }
  Result<bool> namespace_holds(std::string_view prefix, bool subtree, std::string_view digest) {
    return store_.namespace_holds(prefix, subtree, digest);
  }
  // The latest garbage collection runs, newest first.
  Result<std::vector<metadata::GcRunRecord>> gc_runs(std::size_t limit) {
    return store_.gc_runs(limit);
  }
  // How many blobs are stored and their bytes, for the storage metrics.
  Result<metadata::BlobTotals> blob_totals() { return store_.blob_totals(); }
  // The referrers of `subject` in `repository` as an OCI image index.
  Result<std::string> referrers(std::string_view repository, std::string_view subject,
                                std::optional<std::string_view> artifact_type);

  // --- garbage collection (gc.h): one run; kTooManyRequests while another one runs.
  Result<GcReport> collect_garbage(const GcOptions& options);

  // --- retention (retention.h): removes the tags the rules do not keep in every repository a
  // rule applies to; a dry run only reports them.
  Result<RetentionReport> apply_retention(const std::vector<RetentionRule>& rules, bool dry_run);

 private:
  // Claims a blob before its bytes are stored, published or linked (see gc.h); waits while GC
  // deletes it, then claims it afresh (its bytes are gone then: the caller looks again).
  Result<void> claim_blob(const oci::Digest& digest, std::uint64_t size);
  // Removes the bytes and the row of a blob a dead run left 'deleting'; under kGcLease.
  Result<void> finish_deletion(const oci::Digest& digest);
  // A name for the database's leases no other holder uses (this process's holder_ and a count).
  std::string unique_holder();
  Result<void> check_writable() const;
  Result<UploadState> find_upload(std::string_view repository, std::string_view id);
  // Moves a verified upload's bytes into place, then links the blob and ends the session.
  Result<BlobInfo> commit_blob(std::string_view repository, std::string_view upload_id,
                               const oci::Digest& digest, std::uint64_t size);
  // A staged writer at the blob's place when its bytes can go there directly (see
  // append_upload), else null.
  Result<std::unique_ptr<storage::StagedWriter>> stage_in_place(
      const UploadState& upload, const oci::Digest* completes_as,
      std::optional<std::uint64_t> incoming);
  // complete_upload for bytes written in place.
  Result<BlobInfo> publish_in_place(std::string_view repository,
                                    std::unique_ptr<UploadAppender> appender,
                                    const oci::Digest& requested);
  enum class References { kRequired, kFetchedLater };
  Result<PutManifestResult> store_manifest(std::string_view repository, std::string_view reference,
                                           std::string_view content_type, std::string body,
                                           References references);

  storage::Driver& driver_;
  metadata::Store& store_;
  Options options_;
  UploadHashes hashes_;
  ManifestCache manifest_cache_;
  const std::string holder_;  // names this process in the database's upload leases
  std::atomic<std::uint64_t> holders_{0};
};

}  // namespace registry
