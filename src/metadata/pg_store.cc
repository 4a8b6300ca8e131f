#include "metadata/pg_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <unordered_map>

#include "metadata/claim_rows.h"
#include "metadata/pg_pool.h"
#include "metadata/pg_schema.h"

namespace metadata {

namespace {

using oci::ErrorCode;
using postgres::Connection;
using postgres::Rows;

// LIMIT takes a signed 64-bit integer.
std::int64_t sql_limit(std::size_t limit) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

// Column 0 of every row.
Result<std::vector<std::string>> all_text(Result<Rows> rows) {
  if (!rows) return std::unexpected(std::move(rows.error()));
  std::vector<std::string> values;
  values.reserve(static_cast<std::size_t>(rows->count()));
  for (int row = 0; row < rows->count(); ++row) values.push_back(rows->text(row, 0));
  return values;
}

// From a row of: digest, media_type, size, artifact_type, subject, annotations.
ManifestRecord manifest_at(const Rows& rows, int row) {
  return ManifestRecord{
      .digest = rows.text(row, 0),
      .media_type = rows.text(row, 1),
      .size = static_cast<std::uint64_t>(rows.integer(row, 2)),
      .artifact_type = rows.text(row, 3),
      .subject = rows.optional_text(row, 4),
      .annotations_json = rows.text(row, 5),
  };
}

// From a row of: id, repository, size, started_at, updated_at, hash_state.
UploadRecord upload_at(const Rows& rows, int row) {
  return UploadRecord{
      .id = rows.text(row, 0),
      .repository = rows.text(row, 1),
      .size = static_cast<std::uint64_t>(rows.integer(row, 2)),
      .started_at = rows.integer(row, 3),
      .updated_at = rows.integer(row, 4),
      .hash_state = rows.bytes(row, 5),
  };
}

constexpr const char* kManifestColumns =
    "m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations ";
constexpr const char* kUploadColumns =
    "SELECT id, repository, size, started_at, updated_at, hash_state FROM uploads ";

// Any number the other users of the database's advisory locks do not use.
constexpr std::int64_t kEventAppendLock = 0x7265676d65767473;  // "regmevts"

// The database's clock in milliseconds since the epoch: lease expiries.
#define REGMIRROR_PG_NOW_MS "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

// The conditions of a garbage blob `b`: $1 is the cutoff.
#define GARBAGE_BLOB                                                                      \
  "b.state = 'live' AND b.touched_at < $1 "                                               \
  "AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest) "        \
  "AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = b.digest) "     \
  "AND NOT EXISTS (SELECT 1 FROM manifest_children mc WHERE mc.child_digest = b.digest) " \
  "AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.digest)"

// The id of `repository`, created if needed; inside a transaction. Under READ COMMITTED the
// SELECT sees a row another transaction inserted concurrently (the INSERT waited for it).
Result<std::int64_t> repository_id(Connection& db, std::string_view repository) {
  if (auto inserted = db.query(
          "INSERT INTO repositories (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", repository);
      !inserted) {
    return std::unexpected(std::move(inserted.error()));
  }
  auto select = db.query("SELECT id FROM repositories WHERE name = $1", repository);
  if (!select) return std::unexpected(std::move(select.error()));
  if (select->count() == 0) {
    return oci::fail(ErrorCode::kInternal, "repository vanished: " + std::string(repository));
  }
  return select->integer(0, 0);
}

template <class... Parts>
std::string_view cache_key(char kind, const Parts&... parts) {
  thread_local std::string key;
  key.assign(1, kind);
  ((key.push_back('\0'), key.append(parts)), ...);
  return key;
}

Result<void> done(Result<Rows> rows) {
  if (!rows) return std::unexpected(std::move(rows.error()));
  return {};
}

Result<void> changed_upload(const Result<Rows>& rows, std::string_view id) {
  if (!rows) return std::unexpected(rows.error());
  if (rows->changed() == 0) {
    return oci::fail(ErrorCode::kBlobUploadUnknown, "no upload session " + std::string(id));
  }
  return {};
}

class PostgresStore final : public Store {
 public:
  bool shared() const override { return true; }

  PostgresStore(const DatabaseOptions& options, ReadCacheOptions cache)
      : pool_(options.url, options.pool_size, options.connect_timeout),
        cache_(cache, [this] { return change_count(); }) {}

  // --- repositories

  Result<bool> repository_exists(std::string_view repository) override {
    auto exists = cache_.get<bool>(cache_key('r', repository), [&] {
      return read([&](Connection& db) -> Result<std::optional<bool>> {
        auto select = db.query("SELECT 1 FROM repositories WHERE name = $1", repository);
        if (!select) return std::unexpected(std::move(select.error()));
        return select->count() > 0 ? std::optional(true) : std::nullopt;
      });
    });
    if (!exists) return std::unexpected(std::move(exists.error()));
    return exists->has_value();
  }

  Result<std::vector<std::string>> repositories(std::string_view after,
                                                std::size_t limit) override {
    return read([&](Connection& db) {
      return all_text(
          db.query("SELECT name FROM repositories WHERE name > $1 ORDER BY name LIMIT $2::bigint",
                   after, sql_limit(limit)));
    });
  }

  // --- blobs

  Result<void> link_blob(std::string_view repository, std::string_view digest) override {
    return write([&](Connection& db) { return link(db, repository, digest); });
  }

  Result<std::optional<std::uint64_t>> linked_blob(std::string_view repository,
                                                   std::string_view digest) override {
    return cache_.get<std::uint64_t>(cache_key('b', repository, digest), [&] {
      return read([&](Connection& db) -> Result<std::optional<std::uint64_t>> {
        auto select = db.query(
            "SELECT b.size FROM repositories r "
            "JOIN repository_blobs rb ON rb.repository_id = r.id "
            "JOIN blobs b ON b.digest = rb.digest "
            "WHERE r.name = $1 AND rb.digest = $2",
            repository, digest);
        if (!select) return std::unexpected(std::move(select.error()));
        if (select->count() == 0) return std::nullopt;
        return static_cast<std::uint64_t>(select->integer(0, 0));
      });
    });
  }

  Result<bool> unlink_blob(std::string_view repository, std::string_view digest) override {
    return write([&](Connection& db) -> Result<bool> {
      // Held as GC's pass holds it: a manifest being recorded in the repository (FOR SHARE)
      // checked this link, and GC must see that manifest's references once the link is gone,
      // or it could mark the blob between this commit and the manifest's.
      auto found = db.query("SELECT id FROM repositories WHERE name = $1 FOR UPDATE", repository);
      if (!found) return std::unexpected(std::move(found.error()));
      if (found->count() == 0) return false;
      auto deleted =
          db.query("DELETE FROM repository_blobs WHERE repository_id = $1 AND digest = $2",
                   found->integer(0, 0), digest);
      if (!deleted) return std::unexpected(std::move(deleted.error()));
      return deleted->changed() > 0;
    });
  }

  Result<std::uint64_t> linked_bytes(std::string_view prefix,
                                     const std::vector<std::string>& except) override {
    // `except` travels as a JSON array, as in SQLite; jsonb_array_elements_text is json_each.
    const std::string excluded = nlohmann::json(except).dump();
    return read([&](Connection& db) -> Result<std::uint64_t> {
      auto select = db.query(
          "SELECT COALESCE(SUM(b.size), 0) FROM blobs b WHERE b.digest IN ("
          " SELECT rb.digest FROM repository_blobs rb"
          " JOIN repositories r ON r.id = rb.repository_id"
          " WHERE ($1::text = '' OR r.name = $1::text"
          "  OR substr(r.name, 1, length($1::text) + 1) = $1::text || '/')"
          " AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text($2::jsonb) e(value)"
          "  WHERE r.name = e.value OR substr(r.name, 1, length(e.value) + 1) = e.value || '/'))",
          prefix, excluded);
      if (!select) return std::unexpected(std::move(select.error()));
      return static_cast<std::uint64_t>(select->integer(0, 0));
    });
  }

  Result<BlobTotals> blob_totals() override {
    return read([&](Connection& db) -> Result<BlobTotals> {
      auto select = db.query("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM blobs");
      if (!select) return std::unexpected(std::move(select.error()));
      return BlobTotals{static_cast<std::uint64_t>(select->integer(0, 0)),
                        static_cast<std::uint64_t>(select->integer(0, 1))};
    });
  }

  // --- manifests and tags

  Result<std::optional<std::string>> put_manifest(const ManifestPut& put) override {
    const std::int64_t now = now_seconds();
    return write([&](Connection& db) -> Result<std::optional<std::string>> {
      auto id = repository_id(db, put.repository);
      if (!id) return std::unexpected(std::move(id.error()));
      // Held until the commit: GC's pass over the repository (FOR UPDATE) waits for this
      // manifest, or this manifest for the pass, so that it never references what GC removes.
      if (auto held = db.query("SELECT id FROM repositories WHERE id = $1 FOR SHARE", *id); !held) {
        return std::unexpected(std::move(held.error()));
      }
      if (auto present = check_required(db, *id, put); !present) {
        return std::unexpected(std::move(present.error()));
      }
      const ManifestRecord& m = put.manifest;
      if (auto claimed = touch_claimed(db, m.digest, now); !claimed) {
        return std::unexpected(std::move(claimed.error()));
      }
      // Pushed again: young again, so that GC gives an untagged manifest its grace anew.
      auto inserted = db.query(
          "INSERT INTO manifests (repository_id, digest, media_type, size, artifact_type, "
          "subject, annotations, pushed_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
          "ON CONFLICT (repository_id, digest) DO UPDATE SET pushed_at = excluded.pushed_at",
          *id, m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations_json, now);
      if (!inserted) return std::unexpected(std::move(inserted.error()));
      // Same digest, same content, same references: recording them again changes nothing.
      if (auto linked = record_references(db, *id, put); !linked) {
        return std::unexpected(std::move(linked.error()));
      }
      if (!put.tag) return std::nullopt;
      // Writers of one tag one at a time until the commit (a tag not created yet has no row to
      // lock), so that the target read next is the one this write replaces.
      if (auto held =
              db.query("SELECT pg_advisory_xact_lock(hashtext($1::text), hashtext($2::text))",
                       put.repository, *put.tag);
          !held) {
        return std::unexpected(std::move(held.error()));
      }
      auto before =
          db.query("SELECT digest FROM tags WHERE repository_id = $1 AND name = $2", *id, *put.tag);
      if (!before) return std::unexpected(std::move(before.error()));
      std::optional<std::string> previous;
      if (before->count() > 0) previous = before->text(0, 0);
      if (auto tagged = db.query(
              "INSERT INTO tags (repository_id, name, digest, updated_at) VALUES ($1, $2, $3, $4) "
              "ON CONFLICT (repository_id, name) DO UPDATE SET digest = excluded.digest, "
              "updated_at = excluded.updated_at",
              *id, *put.tag, m.digest, now);
          !tagged) {
        return std::unexpected(std::move(tagged.error()));
      }
      return previous;
    });
  }

  Result<std::optional<ManifestRecord>> manifest(std::string_view repository,
                                                 std::string_view digest) override {
    return cache_.get<ManifestRecord>(cache_key('m', repository, digest), [&] {
      return read([&](Connection& db) -> Result<std::optional<ManifestRecord>> {
        auto select = db.query(std::string("SELECT ") + kManifestColumns +
                                   "FROM manifests m JOIN repositories r ON r.id = m.repository_id "
                                   "WHERE r.name = $1 AND m.digest = $2",
                               repository, digest);
        if (!select) return std::unexpected(std::move(select.error()));
        if (select->count() == 0) return std::nullopt;
        return manifest_at(*select, 0);
      });
    });
  }

  Result<std::optional<std::string>> tag(std::string_view repository,
                                         std::string_view tag) override {
    return cache_.get<std::string>(cache_key('t', repository, tag), [&] {
      return read([&](Connection& db) -> Result<std::optional<std::string>> {
        auto select = db.query(
            "SELECT t.digest FROM tags t JOIN repositories r ON r.id = t.repository_id "
            "WHERE r.name = $1 AND t.name = $2",
            repository, tag);
        if (!select) return std::unexpected(std::move(select.error()));
        if (select->count() == 0) return std::nullopt;
        return select->text(0, 0);
      });
    });
  }

  std::optional<std::uint64_t> cached_linked_blob(std::string_view repository,
                                                  std::string_view digest) override {
    return cache_.peek<std::uint64_t>(cache_key('b', repository, digest));
  }
  std::optional<ManifestRecord> cached_manifest(std::string_view repository,
                                                std::string_view digest) override {
    return cache_.peek<ManifestRecord>(cache_key('m', repository, digest));
  }
  std::optional<std::string> cached_tag(std::string_view repository,
                                        std::string_view tag) override {
    return cache_.peek<std::string>(cache_key('t', repository, tag));
  }

  Result<bool> delete_manifest(std::string_view repository, std::string_view digest) override {
    // Its tags and reference rows go with it (ON DELETE CASCADE).
    return write([&](Connection& db) -> Result<bool> {
      auto deleted = db.query(
          "DELETE FROM manifests "
          "WHERE repository_id = (SELECT id FROM repositories WHERE name = $1) AND digest = $2",
          repository, digest);
      if (!deleted) return std::unexpected(std::move(deleted.error()));
      return deleted->changed() > 0;
    });
  }

  Result<bool> delete_tag(std::string_view repository, std::string_view tag) override {
    return write([&](Connection& db) -> Result<bool> {
      auto deleted = db.query(
          "DELETE FROM tags "
          "WHERE repository_id = (SELECT id FROM repositories WHERE name = $1) AND name = $2",
          repository, tag);
      if (!deleted) return std::unexpected(std::move(deleted.error()));
      return deleted->changed() > 0;
    });
  }

  Result<std::vector<std::string>> tags(std::string_view repository, std::string_view after,
                                        std::size_t limit) override {
    auto page = cache_.get<std::vector<std::string>>(
        cache_key('l', repository, after, std::to_string(limit)),
        [&]() -> Result<std::optional<std::vector<std::string>>> {
          return read([&](Connection& db) {
            return all_text(
                db.query("SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id "
                         "WHERE r.name = $1 AND t.name > $2 ORDER BY t.name LIMIT $3::bigint",
                         repository, after, sql_limit(limit)));
          });
        });
    if (!page) return std::unexpected(std::move(page.error()));
    return std::move(**page);
  }

  Result<std::vector<ManifestRecord>> referrers(
      std::string_view repository, std::string_view subject,
      std::optional<std::string_view> artifact_type) override {
    return read([&](Connection& db) -> Result<std::vector<ManifestRecord>> {
      // A NULL artifact type matches every one.
      auto select = db.query(std::string("SELECT ") + kManifestColumns +
                                 "FROM manifests m JOIN repositories r ON r.id = m.repository_id "
                                 "WHERE r.name = $1 AND m.subject = $2 "
                                 "AND ($3::text IS NULL OR m.artifact_type = $3::text) "
                                 "ORDER BY m.digest",
                             repository, subject, artifact_type);
      if (!select) return std::unexpected(std::move(select.error()));
      std::vector<ManifestRecord> records;
      records.reserve(static_cast<std::size_t>(select->count()));
      for (int row = 0; row < select->count(); ++row) records.push_back(manifest_at(*select, row));
      return records;
    });
  }

  // --- upload sessions: no cached answer depends on them, so their writes leave the cache be.

  Result<void> create_upload(const UploadRecord& upload) override {
    return read([&](Connection& db) {
      return done(
          db.query("INSERT INTO uploads (id, repository, size, started_at, updated_at, hash_state) "
                   "VALUES ($1, $2, $3, $4, $5, $6)",
                   upload.id, upload.repository, upload.size, upload.started_at, upload.updated_at,
                   postgres::Bytes{upload.hash_state}));
    });
  }

  Result<std::optional<UploadRecord>> upload(std::string_view id) override {
    return read([&](Connection& db) -> Result<std::optional<UploadRecord>> {
      auto select = db.query(std::string(kUploadColumns) + "WHERE id = $1", id);
      if (!select) return std::unexpected(std::move(select.error()));
      if (select->count() == 0) return std::nullopt;
      return upload_at(*select, 0);
    });
  }

  Result<void> update_upload(std::string_view id, std::uint64_t size, std::int64_t updated_at,
                             std::string_view hash_state) override {
    return read([&](Connection& db) {
      return changed_upload(
          db.query("UPDATE uploads SET size = $2, updated_at = $3, hash_state = $4 WHERE id = $1",
                   id, size, updated_at, postgres::Bytes{hash_state}),
          id);
    });
  }

  Result<void> touch_upload(std::string_view id, std::int64_t updated_at) override {
    return read([&](Connection& db) {
      return changed_upload(
          db.query("UPDATE uploads SET updated_at = $2 WHERE id = $1", id, updated_at), id);
    });
  }

  Result<void> delete_upload(std::string_view id) override {
    return read(
        [&](Connection& db) { return done(db.query("DELETE FROM uploads WHERE id = $1", id)); });
  }

  Result<void> complete_upload(std::string_view id, std::string_view repository,
                               std::string_view digest) override {
    return write([&](Connection& db) -> Result<void> {
      if (auto linked = link(db, repository, digest); !linked) return linked;
      return done(db.query("DELETE FROM uploads WHERE id = $1", id));
    });
  }

  Result<std::vector<UploadRecord>> stale_uploads(std::int64_t updated_before) override {
    return read([&](Connection& db) -> Result<std::vector<UploadRecord>> {
      auto select =
          db.query(std::string(kUploadColumns) + "WHERE updated_at < $1 ORDER BY updated_at, id",
                   updated_before);
      if (!select) return std::unexpected(std::move(select.error()));
      std::vector<UploadRecord> records;
      records.reserve(static_cast<std::size_t>(select->count()));
      for (int row = 0; row < select->count(); ++row) records.push_back(upload_at(*select, row));
      return records;
    });
  }

  // --- leases: one statement each, so no transaction; expiry by the database's clock.

  Result<bool> acquire_lease(std::string_view name, std::string_view holder,
                             std::chrono::milliseconds ttl) override {
    return read([&](Connection& db) -> Result<bool> {
      // The update's WHERE leaves a live lease of another holder alone: no row changes then.
      auto taken = db.query(
          "INSERT INTO leases (name, holder, expires_at) "
          "VALUES ($1, $2, " REGMIRROR_PG_NOW_MS
          " + $3::bigint) "
          "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
          "expires_at = excluded.expires_at "
          "WHERE leases.holder = excluded.holder OR leases.expires_at <= " REGMIRROR_PG_NOW_MS,
          name, holder, static_cast<std::int64_t>(ttl.count()));
      if (!taken) return std::unexpected(std::move(taken.error()));
      return taken->changed() > 0;
    });
  }

  Result<void> release_lease(std::string_view name, std::string_view holder) override {
    return read([&](Connection& db) {
      return done(db.query("DELETE FROM leases WHERE name = $1 AND holder = $2", name, holder));
    });
  }

  Result<std::string> shared_setting(std::string_view name, std::string_view proposed) override {
    return read([&](Connection& db) -> Result<std::string> {
      if (auto stored = db.query("INSERT INTO settings (name, value) VALUES ($1, $2) "
                                 "ON CONFLICT (name) DO NOTHING",
                                 name, proposed);
          !stored) {
        return std::unexpected(std::move(stored.error()));
      }
      auto select = db.query("SELECT value FROM settings WHERE name = $1", name);
      if (!select) return std::unexpected(std::move(select.error()));
      if (select->count() == 0) return oci::fail(oci::ErrorCode::kInternal, "setting lost");
      return select->text(0, 0);
    });
  }

  // --- garbage collection

  Result<bool> claim_blob(std::string_view digest, std::uint64_t size) override {
    const std::int64_t now = now_seconds();
    return read([&](Connection& db) { return claim(db, digest, size, now); });
  }

  Result<RepositorySweep> sweep_repository(std::string_view repository, std::int64_t link_cutoff,
                                           bool dry_run, const ChooseRemoved& choose) override {
    std::optional<RepositorySweep> swept;
    auto finished = write([&](Connection& db) -> Result<void> {
      auto sweep = sweep_in_transaction(db, repository, link_cutoff, choose);
      if (!sweep) return std::unexpected(std::move(sweep.error()));
      swept = std::move(*sweep);
      // A failure rolls the transaction back: a dry run's way out.
      if (dry_run) return oci::fail(ErrorCode::kInternal, "dry run");
      return {};
    });
    if (swept && (finished || dry_run)) return std::move(*swept);
    return std::unexpected(std::move(finished.error()));
  }

  Result<std::vector<GarbageBlob>> mark_garbage_blobs(std::int64_t cutoff,
                                                      std::size_t limit) override {
    // The outer WHERE repeats state and age: under READ COMMITTED, an UPDATE that waited for a
    // claim's row lock re-checks only these against the claimed row, not the subquery.
    return read([&](Connection& db) {
      return garbage_at(
          db.query("UPDATE blobs SET state = 'deleting' WHERE digest IN ("
                   "SELECT b.digest FROM blobs b WHERE " GARBAGE_BLOB
                   " ORDER BY b.digest LIMIT $2::bigint) AND state = 'live' AND touched_at < $1 "
                   "RETURNING digest, size",
                   cutoff, sql_limit(limit)));
    });
  }

  Result<std::vector<GarbageBlob>> garbage_blobs(std::int64_t cutoff, std::string_view after,
                                                 std::size_t limit) override {
    return read([&](Connection& db) {
      return garbage_at(db.query("SELECT b.digest, b.size FROM blobs b WHERE " GARBAGE_BLOB
                                 " AND b.digest > $3 ORDER BY b.digest LIMIT $2::bigint",
                                 cutoff, sql_limit(limit), after));
    });
  }

  Result<std::vector<GarbageBlob>> deleting_blobs(std::string_view after,
                                                  std::size_t limit) override {
    return read([&](Connection& db) {
      return garbage_at(
          db.query("SELECT digest, size FROM blobs WHERE state = 'deleting' AND digest > $1 "
                   "ORDER BY digest LIMIT $2::bigint",
                   after, sql_limit(limit)));
    });
  }

  Result<void> forget_blob(std::string_view digest) override {
    return read([&](Connection& db) {
      return done(db.query("DELETE FROM blobs WHERE digest = $1 AND state = 'deleting'", digest));
    });
  }

  Result<bool> mark_leftover(std::string_view digest, std::uint64_t size) override {
    const std::int64_t now = now_seconds();
    return read([&](Connection& db) -> Result<bool> {
      // The unique digest makes this and a claim's upsert exclude each other.
      auto inserted = db.query(
          "INSERT INTO blobs (digest, size, touched_at, state) "
          "SELECT $1::text, $2::bigint, $3::bigint, 'deleting' "
          "WHERE NOT EXISTS (SELECT 1 FROM manifests WHERE digest = $1::text) "
          "ON CONFLICT (digest) DO NOTHING",
          digest, size, now);
      if (!inserted) return std::unexpected(std::move(inserted.error()));
      return inserted->changed() > 0;
    });
  }

  Result<bool> blob_recorded(std::string_view digest) override {
    return read([&](Connection& db) -> Result<bool> {
      auto select = db.query(
          "SELECT (EXISTS (SELECT 1 FROM blobs WHERE digest = $1) "
          "OR EXISTS (SELECT 1 FROM manifests WHERE digest = $1))::int",
          digest);
      if (!select) return std::unexpected(std::move(select.error()));
      return select->integer(0, 0) != 0;
    });
  }

  Result<void> record_gc_run(const GcRunRecord& run) override {
    return read([&](Connection& db) {
      return done(db.query(
          "INSERT INTO gc_runs (started_at, finished_at, manifests_removed, blobs_removed, "
          "bytes_freed, dry_run, error) VALUES ($1, $2, $3, $4, $5, $6::int::boolean, $7)",
          run.started_at, run.finished_at, run.manifests_removed, run.blobs_removed,
          run.bytes_freed, run.dry_run ? 1 : 0, run.error));
    });
  }

  Result<std::vector<GcRunRecord>> gc_runs(std::size_t limit) override {
    return read([&](Connection& db) -> Result<std::vector<GcRunRecord>> {
      auto select = db.query(
          "SELECT id, started_at, finished_at, manifests_removed, blobs_removed, bytes_freed, "
          "dry_run::int, error FROM gc_runs ORDER BY id DESC LIMIT $1::bigint",
          sql_limit(limit));
      if (!select) return std::unexpected(std::move(select.error()));
      std::vector<GcRunRecord> runs;
      runs.reserve(static_cast<std::size_t>(select->count()));
      for (int row = 0; row < select->count(); ++row) {
        runs.push_back(GcRunRecord{
            .id = select->integer(row, 0),
            .started_at = select->integer(row, 1),
            .finished_at = select->integer(row, 2),
            .manifests_removed = static_cast<std::uint64_t>(select->integer(row, 3)),
            .blobs_removed = static_cast<std::uint64_t>(select->integer(row, 4)),
            .bytes_freed = static_cast<std::uint64_t>(select->integer(row, 5)),
            .dry_run = select->integer(row, 6) != 0,
            .error = select->text(row, 7),
        });
      }
      return runs;
    });
  }

  // --- events outbox: rows no cached answer depends on, so the caches stay.

  Result<void> append_events(const std::vector<OutboxEvent>& events) override {
    return read([&](Connection& db) {
      return db.transaction([&]() -> Result<void> {
        // Identity values are taken in one order and committed in another: serializing the
        // appenders of every process makes them commit in id order, so that a deliverer that
        // saw an id never sees a smaller one appear after it.
        if (auto locked = db.query("SELECT pg_advisory_xact_lock($1::bigint)", kEventAppendLock);
            !locked) {
          return std::unexpected(std::move(locked.error()));
        }
        for (const OutboxEvent& event : events) {
          if (auto inserted =
                  db.query("INSERT INTO events (time_ms, action, repository, payload) "
                           "VALUES ($1, $2, $3, $4)",
                           event.time_ms, event.action, event.repository, event.payload);
              !inserted) {
            return std::unexpected(std::move(inserted.error()));
          }
        }
        return {};
      });
    });
  }

  Result<std::vector<OutboxEvent>> events_after(std::int64_t after, std::size_t limit) override {
    return read([&](Connection& db) -> Result<std::vector<OutboxEvent>> {
      auto select = db.query(
          "SELECT id, time_ms, action, repository, payload FROM events WHERE id > $1 "
          "ORDER BY id LIMIT $2",
          after, sql_limit(limit));
      if (!select) return std::unexpected(std::move(select.error()));
      std::vector<OutboxEvent> events;
      events.reserve(static_cast<std::size_t>(select->count()));
      for (int row = 0; row < select->count(); ++row) {
        events.push_back(OutboxEvent{.id = select->integer(row, 0),
                                     .time_ms = select->integer(row, 1),
                                     .action = select->text(row, 2),
                                     .repository = select->text(row, 3),
                                     .payload = select->text(row, 4)});
      }
      return events;
    });
  }

  Result<EventCursor> event_cursor(std::string_view endpoint) override {
    return read([&](Connection& db) -> Result<EventCursor> {
      if (auto made = db.query(
              "INSERT INTO event_cursors (endpoint, delivered) "
              "SELECT $1, COALESCE(MAX(id), 0) FROM events ON CONFLICT (endpoint) DO NOTHING",
              endpoint);
          !made) {
        return std::unexpected(std::move(made.error()));
      }
      auto select = db.query(
          "SELECT delivered, attempts, next_attempt_ms, last_error FROM event_cursors "
          "WHERE endpoint = $1",
          endpoint);
      if (!select) return std::unexpected(std::move(select.error()));
      if (select->count() == 0) return oci::fail(ErrorCode::kInternal, "event cursor lost");
      return EventCursor{.delivered = select->integer(0, 0),
                         .attempts = select->integer(0, 1),
                         .next_attempt_ms = select->integer(0, 2),
                         .last_error = select->text(0, 3)};
    });
  }

  Result<void> advance_event_cursor(std::string_view endpoint, std::int64_t delivered) override {
    return read([&](Connection& db) {
      return done(
          db.query("INSERT INTO event_cursors (endpoint, delivered) VALUES ($1, $2) "
                   "ON CONFLICT (endpoint) DO UPDATE SET delivered = excluded.delivered, "
                   "attempts = 0, next_attempt_ms = 0, last_error = '' "
                   "WHERE event_cursors.delivered <= excluded.delivered",
                   endpoint, delivered));
    });
  }

  Result<void> record_event_failure(std::string_view endpoint, std::int64_t next_attempt_ms,
                                    std::string_view error) override {
    return read([&](Connection& db) {
      return done(
          db.query("UPDATE event_cursors SET attempts = attempts + 1, next_attempt_ms = $2, "
                   "last_error = $3 WHERE endpoint = $1",
                   endpoint, next_attempt_ms, error));
    });
  }

  Result<std::uint64_t> delete_delivered_events(
      std::int64_t before_ms, const std::vector<std::string>& endpoints) override {
    return read([&](Connection& db) -> Result<std::uint64_t> {
      std::int64_t delivered_by_all = std::numeric_limits<std::int64_t>::max();
      for (const std::string& endpoint : endpoints) {
        auto select = db.query("SELECT delivered FROM event_cursors WHERE endpoint = $1", endpoint);
        if (!select) return std::unexpected(std::move(select.error()));
        // An endpoint without a cursor yet starts after the newest event: it needs none.
        if (select->count() > 0) {
          delivered_by_all = std::min(delivered_by_all, select->integer(0, 0));
        }
      }
      auto deleted = db.query("DELETE FROM events WHERE id <= $1 AND time_ms < $2",
                              delivered_by_all, before_ms);
      if (!deleted) return std::unexpected(std::move(deleted.error()));
      return static_cast<std::uint64_t>(deleted->changed());
    });
  }

  // --- quotas

  Result<std::uint64_t> namespace_bytes(std::string_view prefix, bool subtree) override {
    return read([&](Connection& db) -> Result<std::uint64_t> {
      auto select = db.query(
          "SELECT COALESCE(SUM(b.size), 0) FROM blobs b WHERE b.digest IN ("
          " SELECT rb.digest FROM repository_blobs rb"
          " JOIN repositories r ON r.id = rb.repository_id WHERE "
          "(r.name = $1::text OR ($2::int = 1 AND ($1::text = ''"
          " OR substr(r.name, 1, length($1::text) + 1) = $1::text || '/')))"
          " UNION SELECT m.digest FROM manifests m"
          " JOIN repositories r ON r.id = m.repository_id WHERE "
          "(r.name = $1::text OR ($2::int = 1 AND ($1::text = ''"
          " OR substr(r.name, 1, length($1::text) + 1) = $1::text || '/')))"
          ")",
          prefix, subtree ? 1 : 0);
      if (!select) return std::unexpected(std::move(select.error()));
      return static_cast<std::uint64_t>(select->integer(0, 0));
    });
  }

  Result<bool> namespace_holds(std::string_view prefix, bool subtree,
                               std::string_view digest) override {
    return read([&](Connection& db) -> Result<bool> {
      auto select = db.query(
          "SELECT (EXISTS (SELECT 1 FROM repository_blobs rb"
          " JOIN repositories r ON r.id = rb.repository_id WHERE rb.digest = $3 AND "
          "(r.name = $1::text OR ($2::int = 1 AND ($1::text = ''"
          " OR substr(r.name, 1, length($1::text) + 1) = $1::text || '/')))"
          ") OR EXISTS (SELECT 1 FROM manifests m"
          " JOIN repositories r ON r.id = m.repository_id WHERE m.digest = $3 AND "
          "(r.name = $1::text OR ($2::int = 1 AND ($1::text = ''"
          " OR substr(r.name, 1, length($1::text) + 1) = $1::text || '/')))"
          "))::int",
          prefix, subtree ? 1 : 0, digest);
      if (!select) return std::unexpected(std::move(select.error()));
      return select->integer(0, 0) != 0;
    });
  }

  // --- retention

  // A pull time is no cached answer: the change counter stays.
  Result<void> record_pulls(const std::vector<ManifestPull>& pulls,
                            std::chrono::seconds refresh) override {
    if (pulls.empty()) return {};
    return read([&](Connection& db) {
      return db.transaction([&]() -> Result<void> {
        for (const ManifestPull& pull : pulls) {
          if (auto updated =
                  db.query("UPDATE manifests SET last_pulled_at = $3 "
                           "WHERE repository_id = (SELECT id FROM repositories WHERE name = $1) "
                           "AND digest = $2 AND last_pulled_at < $3::bigint - $4::bigint",
                           pull.repository, pull.digest, pull.pulled_at,
                           static_cast<std::int64_t>(refresh.count()));
              !updated) {
            return std::unexpected(std::move(updated.error()));
          }
        }
        return {};
      });
    });
  }

  Result<RetentionView> retention_view(std::string_view repository) override {
    // Two reads: a tag moved in between is left alone by remove_tags, which checks each.
    return read([&](Connection& db) -> Result<RetentionView> {
      RetentionView view;
      auto tags = read_tags(db, repository);
      if (!tags) return std::unexpected(std::move(tags.error()));
      view.tags = std::move(*tags);
      auto manifests = db.query(
          "SELECT m.digest, m.last_pulled_at, c.child_digest FROM manifests m "
          "JOIN repositories r ON r.id = m.repository_id "
          "LEFT JOIN manifest_children c "
          " ON c.repository_id = m.repository_id AND c.manifest_digest = m.digest "
          "WHERE r.name = $1 ORDER BY m.digest, c.child_digest",
          repository);
      if (!manifests) return std::unexpected(std::move(manifests.error()));
      for (int row = 0; row < manifests->count(); ++row) {
        std::string digest = manifests->text(row, 0);
        if (view.manifests.empty() || view.manifests.back().digest != digest) {
          view.manifests.push_back(RetentionManifest{.digest = std::move(digest),
                                                     .last_pulled_at = manifests->integer(row, 1),
                                                     .children = {}});
        }
        if (auto child = manifests->optional_text(row, 2)) {
          view.manifests.back().children.push_back(std::move(*child));
        }
      }
      return view;
    });
  }

  Result<std::vector<std::string>> remove_tags(std::string_view repository,
                                               const std::vector<RetentionTag>& tags) override {
    return write([&](Connection& db) -> Result<std::vector<std::string>> {
      std::vector<std::string> removed;
      for (const bool attached : {false, true}) {
        for (const RetentionTag& tag : tags) {
          if (tag.unless_tagged.empty() == attached) continue;
          auto deleted = db.query(
              "DELETE FROM tags "
              "WHERE repository_id = (SELECT id FROM repositories WHERE name = $1) "
              "AND name = $2 AND digest = $3 AND updated_at = $4 "
              "AND ($5::text = '' OR NOT EXISTS (SELECT 1 FROM tags t "
              " WHERE t.repository_id = tags.repository_id AND t.digest = $5::text))",
              repository, tag.name, tag.digest, tag.updated_at, tag.unless_tagged);
          if (!deleted) return std::unexpected(std::move(deleted.error()));
          if (deleted->changed() > 0) removed.push_back(tag.name);
        }
      }
      return removed;
    });
  }

  // --- the web UI's views

  Result<TagCount> tag_count(std::string_view repository) override {
    return read([&](Connection& db) -> Result<TagCount> {
      auto select = db.query(
          "SELECT COUNT(*), COALESCE(MAX(t.updated_at), 0) FROM tags t "
          "JOIN repositories r ON r.id = t.repository_id WHERE r.name = $1",
          repository);
      if (!select) return std::unexpected(std::move(select.error()));
      TagCount count{.tags = static_cast<std::uint64_t>(select->integer(0, 0))};
      if (count.tags > 0) count.newest_updated_at = select->integer(0, 1);
      return count;
    });
  }

  Result<std::vector<RetentionTag>> tag_records(std::string_view repository) override {
    return read([&](Connection& db) { return read_tags(db, repository); });
  }

 private:
  // The repository's tags by name, with digest and update time.
  static Result<std::vector<RetentionTag>> read_tags(Connection& db, std::string_view repository) {
    auto tags = db.query(
        "SELECT t.name, t.digest, t.updated_at FROM tags t "
        "JOIN repositories r ON r.id = t.repository_id WHERE r.name = $1 ORDER BY t.name",
        repository);
    if (!tags) return std::unexpected(std::move(tags.error()));
    std::vector<RetentionTag> records;
    records.reserve(static_cast<std::size_t>(tags->count()));
    for (int row = 0; row < tags->count(); ++row) {
      records.push_back(RetentionTag{.name = tags->text(row, 0),
                                     .digest = tags->text(row, 1),
                                     .updated_at = tags->integer(row, 2)});
    }
    return records;
  }

  // Claims the blob's row (see Store::claim_blob). An upsert whose update the WHERE refuses
  // returns no row; one that waited for GC's mark sees the row as GC left it.
  static Result<bool> claim(Connection& db, std::string_view digest, std::uint64_t size,
                            std::int64_t now) {
    auto upsert = db.query(
        "INSERT INTO blobs (digest, size, touched_at, state) VALUES ($1, $2, $3, 'live') "
        "ON CONFLICT (digest) DO UPDATE SET touched_at = excluded.touched_at "
        "WHERE blobs.state = 'live' RETURNING state",
        digest, size, now);
    if (!upsert) return std::unexpected(std::move(upsert.error()));
    return upsert->count() > 0;
  }

  // Touches the row a claim made, which must still be 'live' (see Store::link_blob); inside a
  // transaction. The row lock it takes excludes GC's mark until the commit, and an update that
  // waited for the mark sees the row 'deleting' (or gone) and changes nothing.
  static Result<void> touch_claimed(Connection& db, std::string_view digest, std::int64_t now) {
    auto touched = db.query("UPDATE blobs SET touched_at = $2 WHERE digest = $1 AND state = 'live'",
                            digest, now);
    if (!touched) return std::unexpected(std::move(touched.error()));
    if (touched->changed() == 0) return being_collected(digest);
    return {};
  }

  static Result<void> check_required(Connection& db, std::int64_t id, const ManifestPut& put) {
    for (const std::string& blob : put.required_blobs) {
      auto select = db.query(
          "SELECT 1 FROM repository_blobs WHERE repository_id = $1 AND digest = $2", id, blob);
      if (!select) return std::unexpected(std::move(select.error()));
      if (select->count() == 0) return missing_blob(blob);
    }
    for (const std::string& child : put.required_manifests) {
      auto select =
          db.query("SELECT 1 FROM manifests WHERE repository_id = $1 AND digest = $2", id, child);
      if (!select) return std::unexpected(std::move(select.error()));
      if (select->count() == 0) return missing_manifest(child);
    }
    return {};
  }

  static Result<RepositorySweep> sweep_in_transaction(Connection& db, std::string_view repository,
                                                      std::int64_t link_cutoff,
                                                      const ChooseRemoved& choose) {
    // Locked first, read after: under READ COMMITTED each later statement sees every manifest
    // committed before the lock was granted, and none can be recorded until the commit.
    auto found = db.query("SELECT id FROM repositories WHERE name = $1 FOR UPDATE", repository);
    if (!found) return std::unexpected(std::move(found.error()));
    if (found->count() == 0) return RepositorySweep{};
    const std::int64_t id = found->integer(0, 0);

    auto manifests = gc_manifests(db, id);
    if (!manifests) return std::unexpected(std::move(manifests.error()));
    RepositorySweep sweep;
    sweep.manifests = choose(*manifests);
    for (const std::string& digest : sweep.manifests) {
      // Its tags and reference rows go with it (ON DELETE CASCADE).
      if (auto deleted = db.query("DELETE FROM manifests WHERE repository_id = $1 AND digest = $2",
                                  id, digest);
          !deleted) {
        return std::unexpected(std::move(deleted.error()));
      }
    }
    auto links = all_text(
        db.query("DELETE FROM repository_blobs WHERE repository_id = $1 AND linked_at < $2 "
                 "AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.repository_id = $1 "
                 " AND mb.blob_digest = repository_blobs.digest) "
                 "AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = $1 "
                 " AND m.digest = repository_blobs.digest) "
                 "RETURNING digest",
                 id, link_cutoff));
    if (!links) return std::unexpected(std::move(links.error()));
    sweep.links = std::move(*links);
    std::sort(sweep.links.begin(), sweep.links.end());
    return sweep;
  }

  static Result<std::vector<GcManifest>> gc_manifests(Connection& db, std::int64_t id) {
    auto select = db.query(
        "SELECT m.digest, m.subject, m.pushed_at, EXISTS (SELECT 1 FROM tags t "
        " WHERE t.repository_id = m.repository_id AND t.digest = m.digest)::int "
        "FROM manifests m WHERE m.repository_id = $1 ORDER BY m.digest",
        id);
    if (!select) return std::unexpected(std::move(select.error()));
    std::vector<GcManifest> manifests;
    std::unordered_map<std::string, std::size_t> index;
    for (int row = 0; row < select->count(); ++row) {
      index.emplace(select->text(row, 0), manifests.size());
      manifests.push_back(GcManifest{.digest = select->text(row, 0),
                                     .subject = select->optional_text(row, 1),
                                     .children = {},
                                     .tagged = select->integer(row, 3) != 0,
                                     .pushed_at = select->integer(row, 2)});
    }
    auto children = db.query(
        "SELECT manifest_digest, child_digest FROM manifest_children WHERE repository_id = $1 "
        "ORDER BY manifest_digest, child_digest",
        id);
    if (!children) return std::unexpected(std::move(children.error()));
    for (int row = 0; row < children->count(); ++row) {
      if (auto parent = index.find(children->text(row, 0)); parent != index.end()) {
        manifests[parent->second].children.push_back(children->text(row, 1));
      }
    }
    return manifests;
  }

  // From rows of: digest, size.
  static Result<std::vector<GarbageBlob>> garbage_at(Result<Rows> rows) {
    if (!rows) return std::unexpected(std::move(rows.error()));
    std::vector<GarbageBlob> blobs;
    blobs.reserve(static_cast<std::size_t>(rows->count()));
    for (int row = 0; row < rows->count(); ++row) {
      blobs.push_back({rows->text(row, 0), static_cast<std::uint64_t>(rows->integer(row, 1))});
    }
    return blobs;
  }

  static Result<void> link(Connection& db, std::string_view repository, std::string_view digest) {
    const std::int64_t now = now_seconds();
    auto id = repository_id(db, repository);
    if (!id) return std::unexpected(std::move(id.error()));
    if (auto claimed = touch_claimed(db, digest, now); !claimed) return claimed;
    // Linked again: young again, as GC counts a link's grace from when it was made.
    return done(db.query(
        "INSERT INTO repository_blobs (repository_id, digest, linked_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (repository_id, digest) DO UPDATE SET linked_at = excluded.linked_at",
        *id, digest, now));
  }

  static Result<void> record_references(Connection& db, std::int64_t id, const ManifestPut& put) {
    for (const std::string& blob : put.blob_digests) {
      if (auto linked =
              db.query("INSERT INTO manifest_blobs (repository_id, manifest_digest, blob_digest) "
                       "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                       id, put.manifest.digest, blob);
          !linked) {
        return std::unexpected(std::move(linked.error()));
      }
    }
    for (const std::string& child : put.manifest_digests) {
      if (auto linked = db.query(
              "INSERT INTO manifest_children (repository_id, manifest_digest, child_digest) "
              "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
              id, put.manifest.digest, child);
          !linked) {
        return std::unexpected(std::move(linked.error()));
      }
    }
    return {};
  }

  // What the read cache asks: the change counter, one cheap query.
  Result<std::uint64_t> change_count() {
    return read([&](Connection& db) -> Result<std::uint64_t> {
      auto select = db.query("SELECT last_value FROM store_changes");
      if (!select) return std::unexpected(std::move(select.error()));
      return static_cast<std::uint64_t>(select->integer(0, 0));
    });
  }

  // One statement, or several that need no transaction, on a pooled connection.
  template <class Body>
  std::invoke_result_t<Body&, Connection&> read(Body&& body) {
    return pool_.with_connection(body);
  }

  // A transaction that may change cached answers. Once it has committed, the change counter
  // moves for the other processes' caches (a process dying in between leaves them to notice
  // the next write) and this process's cache is dropped.
  template <class Body>
  std::invoke_result_t<Body&, Connection&> write(Body&& body) {
    auto result =
        pool_.with_connection([&](Connection& db) -> std::invoke_result_t<Body&, Connection&> {
          auto committed = db.transaction([&] { return body(db); });
          // The write stands whether or not the counter moves: its failure is not the write's.
          if (committed) (void)db.query("SELECT nextval('store_changes')");
          return committed;
        });
    cache_.invalidate();
    return result;
  }

  postgres::Pool pool_;
  ReadCache cache_;
};

}  // namespace

Result<int> migrate_postgres(const DatabaseOptions& options) {
  auto connection = Connection::open(options.url, options.connect_timeout);
  if (!connection) return std::unexpected(std::move(connection.error()));
  return postgres::migrate(**connection);
}

Result<std::unique_ptr<Store>> open_postgres_store(const DatabaseOptions& options,
                                                   ReadCacheOptions cache) {
  if (auto migrated = migrate_postgres(options); !migrated) {
    return std::unexpected(std::move(migrated.error()));
  }
  return std::make_unique<PostgresStore>(options, cache);
}

}  // namespace metadata
