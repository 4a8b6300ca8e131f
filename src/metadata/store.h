// Everything but blob bytes: repositories, which blobs each repository links, manifests,
// tags, the referrers index, upload sessions and leases. SQLite (embedded) or PostgreSQL
// (shared by replicas); every backend passes the one suite in store_conformance.h.
//
// Repository names, tags and digests reach the store already validated by registry/.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"

namespace metadata {

using oci::Result;

struct ManifestRecord {
  std::string digest;
  std::string media_type;
  std::uint64_t size = 0;
  std::string artifact_type;           // as the referrers API reports it; may be empty
  std::optional<std::string> subject;  // digest of the subject manifest
  std::string annotations_json;        // "" or a JSON object, for referrers descriptors
};

// What a manifest PUT records, in one transaction.
struct ManifestPut {
  std::string repository;
  ManifestRecord manifest;
  std::vector<std::string> blob_digests;      // config and layers this manifest references
  std::vector<std::string> manifest_digests;  // children of an index
  std::optional<std::string> tag;
  // Checked inside the transaction that records the manifest, holding its repository against
  // garbage collection (kManifestBlobUnknown when one is missing): blobs that must be linked
  // in the repository, and manifests that must be in it.
  std::vector<std::string> required_blobs{};
  std::vector<std::string> required_manifests{};
};

// What the blobs table holds: every blob stored, however many repositories link it.
struct BlobTotals {
  std::uint64_t blobs = 0;
  std::uint64_t bytes = 0;
};

// An event in the outbox (events/): what webhooks are sent, in `id` order.
struct OutboxEvent {
  std::int64_t id = 0;       // given by append_events, increasing in commit order
  std::int64_t time_ms = 0;  // when it happened, milliseconds since the epoch
  std::string action;
  std::string repository;
  std::string payload;  // the whole event as JSON text, opaque to the store
};

// How far one webhook endpoint got through the outbox.
struct EventCursor {
  std::int64_t delivered = 0;        // id of the last event delivered (or skipped)
  std::int64_t attempts = 0;         // failed attempts at the next one since then
  std::int64_t next_attempt_ms = 0;  // not before then (milliseconds since the epoch)
  std::string last_error{};
};

struct UploadRecord {
  std::string id;
  std::string repository;
  std::uint64_t size = 0;       // bytes received so far
  std::int64_t started_at = 0;  // unix seconds
  std::int64_t updated_at = 0;  // unix seconds
  // The running hash of the first `size` bytes, opaque to the store (registry/ serializes it),
  // so that another replica continues an upload without reading its bytes again. "" = none.
  // (Its initializer lets designated initializers leave it out without a warning.)
  std::string hash_state{};
};

// --- garbage collection (issue 13, piece "gc")

// A manifest of one repository as GC's keep-set sees it.
struct GcManifest {
  std::string digest;
  std::optional<std::string> subject;
  std::vector<std::string> children;  // of an index
  bool tagged = false;
  std::int64_t pushed_at = 0;  // unix seconds
};

// What one repository's pass removed (or, in a dry run, would remove).
struct RepositorySweep {
  std::vector<std::string> manifests;  // digests
  std::vector<std::string> links;      // blob digests unlinked from the repository
};

struct GarbageBlob {
  std::string digest;
  std::uint64_t size = 0;
};

struct GcRunRecord {
  std::int64_t id = 0;  // assigned by the store
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;
  std::uint64_t manifests_removed = 0;
  std::uint64_t blobs_removed = 0;
  std::uint64_t bytes_freed = 0;
  bool dry_run = false;
  std::string error{};  // "" when the run succeeded
};

// --- retention (issue 13)

// A manifest GET the pull recorder (registry/pull_recorder.h) hands on in a batch.
struct ManifestPull {
  std::string repository;
  std::string digest;
  std::int64_t pulled_at = 0;  // unix seconds
};

// A tag of one repository as retention sees it.
struct RetentionTag {
  std::string name;
  std::string digest;
  std::int64_t updated_at = 0;  // unix seconds: when it was pushed or moved
  // For remove_tags: a manifest digest; the tag goes only while no tag of the repository
  // points at that manifest (a signature's tag stays with an image tagged again meanwhile).
  std::string unless_tagged{};
};

// A manifest of one repository as retention sees it.
struct RetentionManifest {
  std::string digest;
  std::int64_t last_pulled_at = 0;    // unix seconds; 0 = never recorded
  std::vector<std::string> children;  // of an index
};

// What retention decides on for one repository, read at once.
struct RetentionView {
  std::vector<RetentionTag> tags;            // by name
  std::vector<RetentionManifest> manifests;  // by digest
};

// How many tags a repository has, and when the newest was pushed or moved.
struct TagCount {
  std::uint64_t tags = 0;
  std::optional<std::int64_t> newest_updated_at{};  // unix seconds; nullopt without tags
};

class Store {
 public:
  virtual ~Store() = default;

  // --- repositories
  virtual Result<bool> repository_exists(std::string_view repository) = 0;
  // Names after `after` (exclusive; "" = from the start) in byte order, at most `limit`.
  virtual Result<std::vector<std::string>> repositories(std::string_view after,
                                                        std::size_t limit) = 0;

  // --- blobs
  // Links a blob the caller claimed (claim_blob) into a repository (creating the repository)
  // and touches its claim again. The claim's row must still be 'live' in the transaction that
  // links: kTooManyRequests (the client tries again) when GC marked it or removed it since the
  // claim (a caller stalled for longer than the grace between the two), so that no blob is
  // ever linked without its bytes.
  virtual Result<void> link_blob(std::string_view repository, std::string_view digest) = 0;
  // The size of a blob linked in `repository`; nullopt when not linked there.
  virtual Result<std::optional<std::uint64_t>> linked_blob(std::string_view repository,
                                                           std::string_view digest) = 0;
  // False when it was not linked.
  virtual Result<bool> unlink_blob(std::string_view repository, std::string_view digest) = 0;
  // The bytes of the distinct blobs linked in the repositories named `prefix` or lying under
  // `prefix/` ("" = every repository), leaving out those named or under any of `except`:
  // what a namespace holds, each blob counted once however many repositories link it.
  virtual Result<std::uint64_t> linked_bytes(std::string_view prefix,
                                             const std::vector<std::string>& except) = 0;
  // metrics (issue 13): how many blobs are stored and their bytes, in one cheap query.
  virtual Result<BlobTotals> blob_totals() = 0;

  // --- manifests and tags
  // Records the manifest (replacing nothing if it exists), links it into the repository and,
  // when a tag is given, points the tag at it. One transaction. The manifest's own bytes must
  // have been claimed (claim_blob of its digest) and their row still 'live', as for link_blob.
  // Returns where the tag pointed before, read in that transaction with the tag held against
  // other writers of it (nullopt: no tag given, or the tag is new): events/ tells a tag moved
  // from one pushed again by it, whatever other PUTs of the tag race with this one.
  virtual Result<std::optional<std::string>> put_manifest(const ManifestPut& put) = 0;
  virtual Result<std::optional<ManifestRecord>> manifest(std::string_view repository,
                                                         std::string_view digest) = 0;
  virtual Result<std::optional<std::string>> tag(std::string_view repository,
                                                 std::string_view tag) = 0;
  // Removes the manifest from the repository with every tag pointing at it. False when absent.
  virtual Result<bool> delete_manifest(std::string_view repository, std::string_view digest) = 0;
  virtual Result<bool> delete_tag(std::string_view repository, std::string_view tag) = 0;
  // Tags after `after` (exclusive) in byte order, at most `limit`.
  virtual Result<std::vector<std::string>> tags(std::string_view repository, std::string_view after,
                                                std::size_t limit) = 0;
  // Manifests in `repository` whose subject is `subject`, optionally only those of
  // `artifact_type`; ordered by digest.
  virtual Result<std::vector<ManifestRecord>> referrers(
      std::string_view repository, std::string_view subject,
      std::optional<std::string_view> artifact_type) = 0;

  // --- answers from memory, for callers on threads that must not block: the answer when
  // the store knows it without asking its database, nullopt otherwise (then ask the calls
  // above, on a thread that may block). Only "it exists" is ever known this way. A store
  // without a cache keeps these defaults.
  virtual std::optional<std::uint64_t> cached_linked_blob(std::string_view /*repository*/,
                                                          std::string_view /*digest*/) {
    return std::nullopt;
  }
  virtual std::optional<ManifestRecord> cached_manifest(std::string_view /*repository*/,
                                                        std::string_view /*digest*/) {
    return std::nullopt;
  }
  virtual std::optional<std::string> cached_tag(std::string_view /*repository*/,
                                                std::string_view /*tag*/) {
    return std::nullopt;
  }

  // Whether processes on several machines may write to it at once (PostgreSQL), so that what
  // one process holds exclusively in memory must be claimed in the store instead (upload
  // appends, registry/upload_claim.h). SQLite's file belongs to one machine.
  virtual bool shared() const { return false; }

  // --- upload sessions
  virtual Result<void> create_upload(const UploadRecord& upload) = 0;
  virtual Result<std::optional<UploadRecord>> upload(std::string_view id) = 0;
  // Records the size reached and the hash state of those bytes (stored as given; "" clears it).
  virtual Result<void> update_upload(std::string_view id, std::uint64_t size,
                                     std::int64_t updated_at, std::string_view hash_state) = 0;
  // Marks the upload alive without changing its size or hash state.
  virtual Result<void> touch_upload(std::string_view id, std::int64_t updated_at) = 0;
  virtual Result<void> delete_upload(std::string_view id) = 0;
  // Links the finished upload's blob (claimed) into its repository and ends the session: what
  // link_blob and delete_upload do, in one transaction.
  virtual Result<void> complete_upload(std::string_view id, std::string_view repository,
                                       std::string_view digest) = 0;
  // Sessions not updated since `updated_before` (unix seconds).
  virtual Result<std::vector<UploadRecord>> stale_uploads(std::int64_t updated_before) = 0;

  // --- leases: one holder at a time per name across every process sharing the database
  // (pull-through coalescing across replicas). `holder` is unique per process. Expiry is
  // judged by the database's clock where it has one (PostgreSQL), else by this process's.
  // Takes `name` for `holder` for `ttl` when nobody holds it, its lease expired, or `holder`
  // holds it already (a renewal, which extends it); true when `holder` holds it afterwards.
  virtual Result<bool> acquire_lease(std::string_view name, std::string_view holder,
                                     std::chrono::milliseconds ttl) = 0;
  // Gives it up; nothing when `holder` does not hold it.
  virtual Result<void> release_lease(std::string_view name, std::string_view holder) = 0;

  // --- settings every process sharing the database uses (replicas' token signing key).
  // The value stored under `name`; when there is none, `proposed` is stored first: the first
  // process to ask wins, and every other one gets its value.
  virtual Result<std::string> shared_setting(std::string_view name, std::string_view proposed) = 0;

  // --- garbage collection (issue 13, piece "gc"). A blob row is 'live' or 'deleting'. Every
  // path that makes a blob's bytes referenced claims it first; GC marks only blobs that nothing
  // references and nobody claimed within its grace, so the two exclude each other on the row.
  //
  // Claims the bytes of `digest` before they are stored, published or linked: creates its row
  // ('live', `size`) or sets its touched time to now. False, and nothing changes, while the row
  // is 'deleting': its bytes must not be relied on until forget_blob removed the row.
  virtual Result<bool> claim_blob(std::string_view digest, std::uint64_t size) = 0;
  // One repository's pass, in one transaction holding the repository (so that no manifest is
  // recorded in it meanwhile): `choose` gets its manifests and names those to delete; then the
  // blob links older than `link_cutoff` (unix seconds) that no remaining manifest of the
  // repository references (as config, layer or its own digest) are removed. A dry run rolls
  // everything back and reports the same.
  using ChooseRemoved = std::function<std::vector<std::string>(const std::vector<GcManifest>&)>;
  virtual Result<RepositorySweep> sweep_repository(std::string_view repository,
                                                   std::int64_t link_cutoff, bool dry_run,
                                                   const ChooseRemoved& choose) = 0;
  // Marks up to `limit` blobs 'deleting' and returns them: 'live' rows touched before `cutoff`
  // that no repository links, no manifest references and no manifest is stored as.
  virtual Result<std::vector<GarbageBlob>> mark_garbage_blobs(std::int64_t cutoff,
                                                              std::size_t limit) = 0;
  // What mark_garbage_blobs would mark, changing nothing: blobs after `after` by digest.
  virtual Result<std::vector<GarbageBlob>> garbage_blobs(std::int64_t cutoff,
                                                         std::string_view after,
                                                         std::size_t limit) = 0;
  // Rows left 'deleting' (by a run that died before forgetting them, or whose bytes a run
  // failed to remove) after `after` by digest, at most `limit`.
  virtual Result<std::vector<GarbageBlob>> deleting_blobs(std::string_view after,
                                                          std::size_t limit) = 0;
  // Removes a 'deleting' row once its bytes are gone; a 'live' row stays.
  virtual Result<void> forget_blob(std::string_view digest) = 0;
  // Whether a blob row exists or a manifest is stored as `digest`: bytes someone recorded.
  virtual Result<bool> blob_recorded(std::string_view digest) = 0;
  virtual Result<void> record_gc_run(const GcRunRecord& run) = 0;
  // The latest runs, newest first.
  virtual Result<std::vector<GcRunRecord>> gc_runs(std::size_t limit) = 0;

  // --- events outbox (events/): events appended here are delivered to each webhook endpoint
  // in id order, the endpoint's cursor moving past each one delivered.
  // Appends the events in one transaction, giving them ids (their `id` is ignored) greater
  // than any event committed before: a reader never sees an id appear below one it saw.
  virtual Result<void> append_events(const std::vector<OutboxEvent>& events) = 0;
  // Events with ids after `after`, in id order, at most `limit`.
  virtual Result<std::vector<OutboxEvent>> events_after(std::int64_t after, std::size_t limit) = 0;
  // The endpoint's cursor; an endpoint seen for the first time starts after the newest event
  // (it is sent what happens from then on, not the outbox's past).
  virtual Result<EventCursor> event_cursor(std::string_view endpoint) = 0;
  // Moves the cursor to `delivered` and clears its failures; never moves it back (a deliverer
  // that lost its lease meanwhile cannot undo another's progress).
  virtual Result<void> advance_event_cursor(std::string_view endpoint, std::int64_t delivered) = 0;
  // Counts a failed attempt at the event after the cursor, to be tried again from
  // `next_attempt_ms`.
  virtual Result<void> record_event_failure(std::string_view endpoint, std::int64_t next_attempt_ms,
                                            std::string_view error) = 0;
  // Deletes the events older than `before_ms` that every one of `endpoints` has delivered;
  // returns how many.
  virtual Result<std::uint64_t> delete_delivered_events(
      std::int64_t before_ms, const std::vector<std::string>& endpoints) = 0;

  // --- gc review fixes
  // Bytes under blobs/ that nothing recorded (a crash leftover) are removed as a marked blob
  // is: this records a 'deleting' row for `digest` when no blob row exists and no manifest is
  // stored as it, and says whether it did. A claim then waits until forget_blob, so that a push
  // finishing at that moment never relies on bytes GC is removing. False: recorded meanwhile.
  virtual Result<bool> mark_leftover(std::string_view digest, std::uint64_t size) = 0;

  // --- quotas (issue 13). A namespace is the repository named `prefix` and, with `subtree`,
  // every repository under `prefix/` too ("" with subtree: every repository).
  // The bytes of the distinct digests its repositories link as blobs or store as manifests:
  // what the namespace holds, each blob or manifest counted once however many link it.
  virtual Result<std::uint64_t> namespace_bytes(std::string_view prefix, bool subtree) = 0;
  // Whether one of its repositories links `digest` as a blob or stores it as a manifest.
  virtual Result<bool> namespace_holds(std::string_view prefix, bool subtree,
                                       std::string_view digest) = 0;

  // --- retention (issue 13)
  // Records pulls in one transaction: a manifest's last pull time becomes `pulled_at` where
  // the recorded one is older than `pulled_at - refresh` (a pull written within `refresh` is
  // not written again, whichever process wrote it). Manifests no longer there are skipped.
  // No cached answer depends on it.
  virtual Result<void> record_pulls(const std::vector<ManifestPull>& pulls,
                                    std::chrono::seconds refresh) = 0;
  // The repository's tags and manifests (empty when it does not exist).
  virtual Result<RetentionView> retention_view(std::string_view repository) = 0;
  // Removes, in one transaction, each of `tags` that still points at its digest and was not
  // updated since its `updated_at`: a tag pushed again meanwhile stays. Those with
  // `unless_tagged` go after the others, and only while no tag points at that manifest.
  // Returns the names removed.
  virtual Result<std::vector<std::string>> remove_tags(std::string_view repository,
                                                       const std::vector<RetentionTag>& tags) = 0;

  // --- the web UI's views (issue 14): what a repository's pages show, without reading its
  // manifests (retention_view reads them all, with their children).
  // Its tag count and newest tag time in one aggregate query (none when it does not exist).
  virtual Result<TagCount> tag_count(std::string_view repository) = 0;
  // Its tags with digest and push time, by name: retention_view's tags alone (empty when it
  // does not exist).
  virtual Result<std::vector<RetentionTag>> tag_records(std::string_view repository) = 0;
};

}  // namespace metadata
