#include "metadata/sqlite_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "metadata/claim_rows.h"
#include "metadata/sqlite_connection.h"
#include "metadata/sqlite_schema.h"

namespace metadata {

namespace {

using oci::ErrorCode;
using sqlite::Connection;
using sqlite::Statement;

// LIMIT takes a signed 64-bit integer.
std::int64_t sql_limit(std::size_t limit) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

// Column 0 of every row.
Result<std::vector<std::string>> all_text(Result<Statement> statement) {
  if (!statement) return std::unexpected(std::move(statement.error()));
  std::vector<std::string> values;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return values;
    values.push_back(statement->text(0));
  }
}

// From a row of: digest, media_type, size, artifact_type, subject, annotations.
ManifestRecord manifest_at(const Statement& row) {
  return ManifestRecord{
      .digest = row.text(0),
      .media_type = row.text(1),
      .size = static_cast<std::uint64_t>(row.integer(2)),
      .artifact_type = row.text(3),
      .subject = row.optional_text(4),
      .annotations_json = row.text(5),
  };
}

// From a row of: id, repository, size, started_at, updated_at, hash_state.
UploadRecord upload_at(const Statement& row) {
  return UploadRecord{
      .id = row.text(0),
      .repository = row.text(1),
      .size = static_cast<std::uint64_t>(row.integer(2)),
      .started_at = row.integer(3),
      .updated_at = row.integer(4),
      .hash_state = row.blob(5),
  };
}

// Lease expiries are this process's clock in milliseconds since the epoch.
std::int64_t now_milliseconds() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The conditions of a garbage blob `b`: ?1 is the cutoff.
#define GARBAGE_BLOB                                                                      \
  "b.state = 'live' AND b.touched_at < ?1 "                                               \
  "AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest) "        \
  "AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = b.digest) "     \
  "AND NOT EXISTS (SELECT 1 FROM manifest_children mc WHERE mc.child_digest = b.digest) " \
  "AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.digest)"

// The id of `repository`, created if needed; inside a write transaction.
Result<std::int64_t> repository_id(Connection& db, std::string_view repository) {
  if (auto inserted = db.run(
          "INSERT INTO repositories (name) VALUES (?1) ON CONFLICT (name) DO NOTHING", repository);
      !inserted) {
    return std::unexpected(std::move(inserted.error()));
  }
  auto select = db.prepare("SELECT id FROM repositories WHERE name = ?1", repository);
  if (!select) return std::unexpected(std::move(select.error()));
  auto row = select->step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row)
    return oci::fail(ErrorCode::kInternal, "repository vanished: " + std::string(repository));
  return select->integer(0);
}

// The cache key of a query: its kind, then its arguments, separated by NUL (which no name,
// tag or digest holds). Built in a buffer of the calling thread: valid until its next call.
template <class... Parts>
std::string_view cache_key(char kind, const Parts&... parts) {
  thread_local std::string key;
  key.assign(1, kind);
  ((key.push_back('\0'), key.append(parts)), ...);
  return key;
}

// Each store gets a number never used again, so that a thread's remembered connection cannot
// be mistaken for one of a later store at the same address.
std::atomic<std::uint64_t> next_store_serial{1};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::filesystem::path file, std::unique_ptr<Connection> first,
              std::unique_ptr<Connection> probe, ReadCacheOptions cache)
      : file_(std::move(file)),
        probe_(std::move(probe)),
        cache_(cache, [this] { return data_version(); }) {
    connections_.emplace(std::this_thread::get_id(), std::move(first));
  }

  // --- repositories

  Result<bool> repository_exists(std::string_view repository) override {
    auto exists = cache_.get<bool>(cache_key('r', repository), [&] {
      return read([&](Connection& db) -> Result<std::optional<bool>> {
        auto select = db.prepare("SELECT 1 FROM repositories WHERE name = ?1", repository);
        if (!select) return std::unexpected(std::move(select.error()));
        auto row = select->step();
        if (!row) return std::unexpected(std::move(row.error()));
        return *row ? std::optional(true) : std::nullopt;
      });
    });
    if (!exists) return std::unexpected(std::move(exists.error()));
    return exists->has_value();
  }

  Result<std::vector<std::string>> repositories(std::string_view after,
                                                std::size_t limit) override {
    return read([&](Connection& db) {
      return all_text(
          db.prepare("SELECT name FROM repositories WHERE name > ?1 ORDER BY name LIMIT ?2", after,
                     sql_limit(limit)));
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
        auto select = db.prepare(
            "SELECT b.size FROM repositories r "
            "JOIN repository_blobs rb ON rb.repository_id = r.id "
            "JOIN blobs b ON b.digest = rb.digest "
            "WHERE r.name = ?1 AND rb.digest = ?2",
            repository, digest);
        if (!select) return std::unexpected(std::move(select.error()));
        auto row = select->step();
        if (!row) return std::unexpected(std::move(row.error()));
        if (!*row) return std::nullopt;
        return static_cast<std::uint64_t>(select->integer(0));
      });
    });
  }

  Result<bool> unlink_blob(std::string_view repository, std::string_view digest) override {
    return write([&](Connection& db) -> Result<bool> {
      auto deleted = db.run(
          "DELETE FROM repository_blobs "
          "WHERE repository_id = (SELECT id FROM repositories WHERE name = ?1) AND digest = ?2",
          repository, digest);
      if (!deleted) return std::unexpected(std::move(deleted.error()));
      return db.changes() > 0;
    });
  }

  Result<std::uint64_t> linked_bytes(std::string_view prefix,
                                     const std::vector<std::string>& except) override {
    // `except` travels as a JSON array: one statement whatever its length.
    const std::string excluded = nlohmann::json(except).dump();
    return read([&](Connection& db) -> Result<std::uint64_t> {
      auto select = db.prepare(
          "SELECT COALESCE(SUM(b.size), 0) FROM blobs b WHERE b.digest IN ("
          " SELECT rb.digest FROM repository_blobs rb"
          " JOIN repositories r ON r.id = rb.repository_id"
          " WHERE (?1 = '' OR r.name = ?1 OR substr(r.name, 1, length(?1) + 1) = ?1 || '/')"
          " AND NOT EXISTS (SELECT 1 FROM json_each(?2) e WHERE r.name = e.value"
          "  OR substr(r.name, 1, length(e.value) + 1) = e.value || '/'))",
          prefix, excluded);
      if (!select) return std::unexpected(std::move(select.error()));
      auto row = select->step();
      if (!row) return std::unexpected(std::move(row.error()));
      return static_cast<std::uint64_t>(select->integer(0));
    });
  }

  Result<BlobTotals> blob_totals() override {
    return read([&](Connection& db) -> Result<BlobTotals> {
      auto select = db.prepare("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM blobs");
      if (!select) return std::unexpected(std::move(select.error()));
      auto row = select->step();
      if (!row) return std::unexpected(std::move(row.error()));
      return BlobTotals{static_cast<std::uint64_t>(select->integer(0)),
                        static_cast<std::uint64_t>(select->integer(1))};
    });
  }

  // --- manifests and tags

  Result<std::optional<std::string>> put_manifest(const ManifestPut& put) override {
    const std::int64_t now = now_seconds();
    return write([&](Connection& db) -> Result<std::optional<std::string>> {
      // BEGIN IMMEDIATE already excludes GC's pass over the repository.
      auto id = repository_id(db, put.repository);
      if (!id) return std::unexpected(std::move(id.error()));
      if (auto present = check_required(db, *id, put); !present) {
        return std::unexpected(std::move(present.error()));
      }
      const ManifestRecord& m = put.manifest;
      if (auto claimed = touch_claimed(db, m.digest, now); !claimed) {
        return std::unexpected(std::move(claimed.error()));
      }
      // Pushed again: young again, so that GC gives an untagged manifest its grace anew.
      if (auto inserted = db.run(
              "INSERT INTO manifests (repository_id, digest, media_type, size, artifact_type, "
              "subject, annotations, pushed_at) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
              "ON CONFLICT (repository_id, digest) DO UPDATE SET pushed_at = excluded.pushed_at",
              *id, m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations_json,
              now);
          !inserted) {
        return std::unexpected(std::move(inserted.error()));
      }
      // Same digest, same content, same references: recording them again changes nothing.
      if (auto linked = record_references(db, *id, put); !linked) {
        return std::unexpected(std::move(linked.error()));
      }
      if (!put.tag) return std::nullopt;
      // One writer at a time (BEGIN IMMEDIATE): the target read here is the one replaced.
      auto before = db.prepare("SELECT digest FROM tags WHERE repository_id = ?1 AND name = ?2",
                               *id, *put.tag);
      if (!before) return std::unexpected(std::move(before.error()));
      auto row = before->step();
      if (!row) return std::unexpected(std::move(row.error()));
      std::optional<std::string> previous;
      if (*row) previous = before->text(0);
      if (auto tagged = db.run(
              "INSERT INTO tags (repository_id, name, digest, updated_at) VALUES (?1, ?2, ?3, ?4) "
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
        auto select = db.prepare(
            "SELECT m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations "
            "FROM manifests m JOIN repositories r ON r.id = m.repository_id "
            "WHERE r.name = ?1 AND m.digest = ?2",
            repository, digest);
        if (!select) return std::unexpected(std::move(select.error()));
        auto row = select->step();
        if (!row) return std::unexpected(std::move(row.error()));
        if (!*row) return std::nullopt;
        return manifest_at(*select);
      });
    });
  }

  Result<std::optional<std::string>> tag(std::string_view repository,
                                         std::string_view tag) override {
    return cache_.get<std::string>(cache_key('t', repository, tag), [&] {
      return read([&](Connection& db) -> Result<std::optional<std::string>> {
        auto select = db.prepare(
            "SELECT t.digest FROM tags t JOIN repositories r ON r.id = t.repository_id "
            "WHERE r.name = ?1 AND t.name = ?2",
            repository, tag);
        if (!select) return std::unexpected(std::move(select.error()));
        auto row = select->step();
        if (!row) return std::unexpected(std::move(row.error()));
        if (!*row) return std::nullopt;
        return select->text(0);
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
      auto deleted = db.run(
          "DELETE FROM manifests "
          "WHERE repository_id = (SELECT id FROM repositories WHERE name = ?1) AND digest = ?2",
          repository, digest);
      if (!deleted) return std::unexpected(std::move(deleted.error()));
      return db.changes() > 0;
    });
  }

  Result<bool> delete_tag(std::string_view repository, std::string_view tag) override {
    return write([&](Connection& db) -> Result<bool> {
      auto deleted = db.run(
          "DELETE FROM tags "
          "WHERE repository_id = (SELECT id FROM repositories WHERE name = ?1) AND name = ?2",
          repository, tag);
      if (!deleted) return std::unexpected(std::move(deleted.error()));
      return db.changes() > 0;
    });
  }

  Result<std::vector<std::string>> tags(std::string_view repository, std::string_view after,
                                        std::size_t limit) override {
    // A list is an answer too, empty or not: it is kept like the others.
    auto page = cache_.get<std::vector<std::string>>(
        cache_key('l', repository, after, std::to_string(limit)),
        [&]() -> Result<std::optional<std::vector<std::string>>> {
          return read([&](Connection& db) {
            return all_text(db.prepare(
                "SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id "
                "WHERE r.name = ?1 AND t.name > ?2 ORDER BY t.name LIMIT ?3",
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
      auto select = artifact_type
                        ? db.prepare(
                              "SELECT m.digest, m.media_type, m.size, m.artifact_type, m.subject, "
                              "m.annotations "
                              "FROM manifests m JOIN repositories r ON r.id = m.repository_id "
                              "WHERE r.name = ?1 AND m.subject = ?2 AND m.artifact_type = ?3 "
                              "ORDER BY m.digest",
                              repository, subject, *artifact_type)
                        : db.prepare(
                              "SELECT m.digest, m.media_type, m.size, m.artifact_type, m.subject, "
                              "m.annotations "
                              "FROM manifests m JOIN repositories r ON r.id = m.repository_id "
                              "WHERE r.name = ?1 AND m.subject = ?2 "
                              "ORDER BY m.digest",
                              repository, subject);
      if (!select) return std::unexpected(std::move(select.error()));
      std::vector<ManifestRecord> records;
      while (true) {
        auto row = select->step();
        if (!row) return std::unexpected(std::move(row.error()));
        if (!*row) return records;
        records.push_back(manifest_at(*select));
      }
    });
  }

  // --- upload sessions

  Result<void> create_upload(const UploadRecord& upload) override {
    return write_uncached([&](Connection& db) {
      return db.run(
          "INSERT INTO uploads (id, repository, size, started_at, updated_at, hash_state) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
          upload.id, upload.repository, upload.size, upload.started_at, upload.updated_at,
          sqlite::Blob{upload.hash_state});
    });
  }

  Result<std::optional<UploadRecord>> upload(std::string_view id) override {
    return read([&](Connection& db) -> Result<std::optional<UploadRecord>> {
      auto select = db.prepare(
          "SELECT id, repository, size, started_at, updated_at, hash_state FROM uploads "
          "WHERE id = ?1",
          id);
      if (!select) return std::unexpected(std::move(select.error()));
      auto row = select->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) return std::nullopt;
      return upload_at(*select);
    });
  }

  Result<void> update_upload(std::string_view id, std::uint64_t size, std::int64_t updated_at,
                             std::string_view hash_state) override {
    return write_uncached([&](Connection& db) -> Result<void> {
      auto updated =
          db.run("UPDATE uploads SET size = ?2, updated_at = ?3, hash_state = ?4 WHERE id = ?1", id,
                 size, updated_at, sqlite::Blob{hash_state});
      if (!updated) return updated;
      return changed_upload(db, id);
    });
  }

  Result<void> touch_upload(std::string_view id, std::int64_t updated_at) override {
    return write_uncached([&](Connection& db) -> Result<void> {
      auto updated = db.run("UPDATE uploads SET updated_at = ?2 WHERE id = ?1", id, updated_at);
      if (!updated) return updated;
      return changed_upload(db, id);
    });
  }

  Result<void> delete_upload(std::string_view id) override {
    return write_uncached(
        [&](Connection& db) { return db.run("DELETE FROM uploads WHERE id = ?1", id); });
  }

  Result<void> complete_upload(std::string_view id, std::string_view repository,
                               std::string_view digest) override {
    return write([&](Connection& db) -> Result<void> {
      if (auto linked = link(db, repository, digest); !linked) return linked;
      return db.run("DELETE FROM uploads WHERE id = ?1", id);
    });
  }

  Result<std::vector<UploadRecord>> stale_uploads(std::int64_t updated_before) override {
    return read([&](Connection& db) -> Result<std::vector<UploadRecord>> {
      auto select = db.prepare(
          "SELECT id, repository, size, started_at, updated_at, hash_state FROM uploads "
          "WHERE updated_at < ?1 ORDER BY updated_at, id",
          updated_before);
      if (!select) return std::unexpected(std::move(select.error()));
      std::vector<UploadRecord> records;
      while (true) {
        auto row = select->step();
        if (!row) return std::unexpected(std::move(row.error()));
        if (!*row) return records;
        records.push_back(upload_at(*select));
      }
    });
  }

  // --- leases

  Result<bool> acquire_lease(std::string_view name, std::string_view holder,
                             std::chrono::milliseconds ttl) override {
    const std::int64_t now = now_milliseconds();
    return write_uncached([&](Connection& db) -> Result<bool> {
      // The update's WHERE leaves a live lease of another holder alone: no row changes then.
      auto taken = db.run(
          "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
          "expires_at = excluded.expires_at "
          "WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4",
          name, holder, now + ttl.count(), now);
      if (!taken) return std::unexpected(std::move(taken.error()));
      return db.changes() > 0;
    });
  }

  Result<void> release_lease(std::string_view name, std::string_view holder) override {
    return write_uncached([&](Connection& db) {
      return db.run("DELETE FROM leases WHERE name = ?1 AND holder = ?2", name, holder);
    });
  }

  Result<std::string> shared_setting(std::string_view name, std::string_view proposed) override {
    return write_uncached([&](Connection& db) -> Result<std::string> {
      if (auto stored = db.run("INSERT OR IGNORE INTO settings (name, value) VALUES (?1, ?2)", name,
                               proposed);
          !stored) {
        return std::unexpected(std::move(stored.error()));
      }
      auto select = db.prepare("SELECT value FROM settings WHERE name = ?1", name);
      if (!select) return std::unexpected(std::move(select.error()));
      auto row = select->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) return oci::fail(oci::ErrorCode::kInternal, "setting lost");
      return select->text(0);
    });
  }

  // --- garbage collection

  Result<bool> claim_blob(std::string_view digest, std::uint64_t size) override {
    const std::int64_t now = now_seconds();
    return write_uncached([&](Connection& db) { return claim(db, digest, size, now); });
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
    return write_uncached([&](Connection& db) {
      return garbage_at(
          db.prepare("UPDATE blobs SET state = 'deleting' WHERE digest IN ("
                     "SELECT b.digest FROM blobs b WHERE " GARBAGE_BLOB
                     " ORDER BY b.digest LIMIT ?2) RETURNING digest, size",
                     cutoff, sql_limit(limit)));
    });
  }

  Result<std::vector<GarbageBlob>> garbage_blobs(std::int64_t cutoff, std::string_view after,
                                                 std::size_t limit) override {
    return read([&](Connection& db) {
      return garbage_at(db.prepare("SELECT b.digest, b.size FROM blobs b WHERE " GARBAGE_BLOB
                                   " AND b.digest > ?3 ORDER BY b.digest LIMIT ?2",
                                   cutoff, sql_limit(limit), after));
    });
  }

  Result<std::vector<GarbageBlob>> deleting_blobs(std::string_view after,
                                                  std::size_t limit) override {
    return read([&](Connection& db) {
      return garbage_at(
          db.prepare("SELECT digest, size FROM blobs WHERE state = 'deleting' AND digest > ?1 "
                     "ORDER BY digest LIMIT ?2",
                     after, sql_limit(limit)));
    });
  }

  Result<void> forget_blob(std::string_view digest) override {
    return write_uncached([&](Connection& db) {
      return db.run("DELETE FROM blobs WHERE digest = ?1 AND state = 'deleting'", digest);
    });
  }

  Result<bool> blob_recorded(std::string_view digest) override {
    return read([&](Connection& db) -> Result<bool> {
      auto select = db.prepare(
          "SELECT EXISTS (SELECT 1 FROM blobs WHERE digest = ?1) "
          "OR EXISTS (SELECT 1 FROM manifests WHERE digest = ?1)",
          digest);
      if (!select) return std::unexpected(std::move(select.error()));
      auto row = select->step();
      if (!row) return std::unexpected(std::move(row.error()));
      return *row && select->integer(0) != 0;
    });
  }

  Result<bool> mark_leftover(std::string_view digest, std::uint64_t size) override {
    const std::int64_t now = now_seconds();
    return write_uncached([&](Connection& db) -> Result<bool> {
      auto inserted = db.run(
          "INSERT INTO blobs (digest, size, touched_at, state) SELECT ?1, ?2, ?3, 'deleting' "
          "WHERE NOT EXISTS (SELECT 1 FROM manifests WHERE digest = ?1) "
          "ON CONFLICT (digest) DO NOTHING",
          digest, size, now);
      if (!inserted) return std::unexpected(std::move(inserted.error()));
      return db.changes() > 0;
    });
  }

  Result<void> record_gc_run(const GcRunRecord& run) override {
    return write_uncached([&](Connection& db) {
      return db.run(
          "INSERT INTO gc_runs (started_at, finished_at, manifests_removed, blobs_removed, "
          "bytes_freed, dry_run, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
          run.started_at, run.finished_at, run.manifests_removed, run.blobs_removed,
          run.bytes_freed, run.dry_run ? 1 : 0, run.error);
    });
  }

  Result<std::vector<GcRunRecord>> gc_runs(std::size_t limit) override {
    return read([&](Connection& db) -> Result<std::vector<GcRunRecord>> {
      auto select = db.prepare(
          "SELECT id, started_at, finished_at, manifests_removed, blobs_removed, bytes_freed, "
          "dry_run, error FROM gc_runs ORDER BY id DESC LIMIT ?1",
          sql_limit(limit));
      if (!select) return std::unexpected(std::move(select.error()));
      std::vector<GcRunRecord> runs;
      while (true) {
        auto row = select->step();
        if (!row) return std::unexpected(std::move(row.error()));
        if (!*row) return runs;
        runs.push_back(GcRunRecord{
            .id = select->integer(0),
            .started_at = select->integer(1),
            .finished_at = select->integer(2),
            .manifests_removed = static_cast<std::uint64_t>(select->integer(3)),
            .blobs_removed = static_cast<std::uint64_t>(select->integer(4)),
            .bytes_freed = static_cast<std::uint64_t>(select->integer(5)),
            .dry_run = select->integer(6) != 0,
            .error = select->text(7),
        });
      }
    });
  }

  // --- events outbox: writes serialize on the database's write lock, so ids commit in order.

  Result<void> append_events(const std::vector<OutboxEvent>& events) override {
    return write_uncached([&](Connection& db) -> Result<void> {
      for (const OutboxEvent& event : events) {
        if (auto inserted = db.run(
                "INSERT INTO events (time_ms, action, repository, payload) VALUES (?1, ?2, ?3, ?4)",
                event.time_ms, event.action, event.repository, event.payload);
            !inserted) {
          return inserted;
        }
      }
      return {};
    });
  }

  Result<std::vector<OutboxEvent>> events_after(std::int64_t after, std::size_t limit) override {
    return read([&](Connection& db) -> Result<std::vector<OutboxEvent>> {
      auto select = db.prepare(
          "SELECT id, time_ms, action, repository, payload FROM events WHERE id > ?1 "
          "ORDER BY id LIMIT ?2",
          after, sql_limit(limit));
      if (!select) return std::unexpected(std::move(select.error()));
      std::vector<OutboxEvent> events;
      while (true) {
        auto row = select->step();
        if (!row) return std::unexpected(std::move(row.error()));
        if (!*row) return events;
        events.push_back(OutboxEvent{.id = select->integer(0),
                                     .time_ms = select->integer(1),
                                     .action = select->text(2),
                                     .repository = select->text(3),
                                     .payload = select->text(4)});
      }
    });
  }

  Result<EventCursor> event_cursor(std::string_view endpoint) override {
    return write_uncached([&](Connection& db) -> Result<EventCursor> {
      if (auto made = db.run("INSERT OR IGNORE INTO event_cursors (endpoint, delivered) "
                             "SELECT ?1, COALESCE(MAX(id), 0) FROM events",
                             endpoint);
          !made) {
        return std::unexpected(std::move(made.error()));
      }
      auto select = db.prepare(
          "SELECT delivered, attempts, next_attempt_ms, last_error FROM event_cursors "
          "WHERE endpoint = ?1",
          endpoint);
      if (!select) return std::unexpected(std::move(select.error()));
      auto row = select->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) return oci::fail(ErrorCode::kInternal, "event cursor lost");
      return EventCursor{.delivered = select->integer(0),
                         .attempts = select->integer(1),
                         .next_attempt_ms = select->integer(2),
                         .last_error = select->text(3)};
    });
  }

  Result<void> advance_event_cursor(std::string_view endpoint, std::int64_t delivered) override {
    return write_uncached([&](Connection& db) {
      return db.run(
          "INSERT INTO event_cursors (endpoint, delivered) VALUES (?1, ?2) "
          "ON CONFLICT (endpoint) DO UPDATE SET delivered = excluded.delivered, attempts = 0, "
          "next_attempt_ms = 0, last_error = '' WHERE event_cursors.delivered <= "
          "excluded.delivered",
          endpoint, delivered);
    });
  }

  Result<void> record_event_failure(std::string_view endpoint, std::int64_t next_attempt_ms,
                                    std::string_view error) override {
    return write_uncached([&](Connection& db) {
      return db.run(
          "UPDATE event_cursors SET attempts = attempts + 1, next_attempt_ms = ?2, "
          "last_error = ?3 WHERE endpoint = ?1",
          endpoint, next_attempt_ms, error);
    });
  }

  Result<std::uint64_t> delete_delivered_events(
      std::int64_t before_ms, const std::vector<std::string>& endpoints) override {
    return write_uncached([&](Connection& db) -> Result<std::uint64_t> {
      std::int64_t delivered_by_all = std::numeric_limits<std::int64_t>::max();
      for (const std::string& endpoint : endpoints) {
        auto select =
            db.prepare("SELECT delivered FROM event_cursors WHERE endpoint = ?1", endpoint);
        if (!select) return std::unexpected(std::move(select.error()));
        auto row = select->step();
        if (!row) return std::unexpected(std::move(row.error()));
        // An endpoint without a cursor yet starts after the newest event: it needs none.
        if (*row) delivered_by_all = std::min(delivered_by_all, select->integer(0));
      }
      if (auto deleted = db.run("DELETE FROM events WHERE id <= ?1 AND time_ms < ?2",
                                delivered_by_all, before_ms);
          !deleted) {
        return std::unexpected(std::move(deleted.error()));
      }
      return static_cast<std::uint64_t>(db.changes());
    });
  }

  // --- quotas

  Result<std::uint64_t> namespace_bytes(std::string_view prefix, bool subtree) override {
    return read([&](Connection& db) -> Result<std::uint64_t> {
      auto select = db.prepare(
          "SELECT COALESCE(SUM(b.size), 0) FROM blobs b WHERE b.digest IN ("
          " SELECT rb.digest FROM repository_blobs rb"
          " JOIN repositories r ON r.id = rb.repository_id WHERE "
          "(r.name = ?1 OR (?2 = 1 AND (?1 = '' OR substr(r.name, 1, length(?1) + 1) = ?1 || '/')))"
          " UNION SELECT m.digest FROM manifests m"
          " JOIN repositories r ON r.id = m.repository_id WHERE "
          "(r.name = ?1 OR (?2 = 1 AND (?1 = '' OR substr(r.name, 1, length(?1) + 1) = ?1 || '/')))"
          ")",
          prefix, subtree ? 1 : 0);
      if (!select) return std::unexpected(std::move(select.error()));
      auto row = select->step();
      if (!row) return std::unexpected(std::move(row.error()));
      return static_cast<std::uint64_t>(select->integer(0));
    });
  }

  Result<bool> namespace_holds(std::string_view prefix, bool subtree,
                               std::string_view digest) override {
    return read([&](Connection& db) -> Result<bool> {
      auto select = db.prepare(
          "SELECT EXISTS (SELECT 1 FROM repository_blobs rb"
          " JOIN repositories r ON r.id = rb.repository_id WHERE rb.digest = ?3 AND "
          "(r.name = ?1 OR (?2 = 1 AND (?1 = '' OR substr(r.name, 1, length(?1) + 1) = ?1 || '/')))"
          ") OR EXISTS (SELECT 1 FROM manifests m"
          " JOIN repositories r ON r.id = m.repository_id WHERE m.digest = ?3 AND "
          "(r.name = ?1 OR (?2 = 1 AND (?1 = '' OR substr(r.name, 1, length(?1) + 1) = ?1 || '/')))"
          ")",
          prefix, subtree ? 1 : 0, digest);
      if (!select) return std::unexpected(std::move(select.error()));
      auto row = select->step();
      if (!row) return std::unexpected(std::move(row.error()));
      return select->integer(0) != 0;
    });
  }

  // --- retention

  Result<void> record_pulls(const std::vector<ManifestPull>& pulls,
                            std::chrono::seconds refresh) override {
    if (pulls.empty()) return {};
    return write_uncached([&](Connection& db) -> Result<void> {
      for (const ManifestPull& pull : pulls) {
        if (auto updated =
                db.run("UPDATE manifests SET last_pulled_at = ?3 "
                       "WHERE repository_id = (SELECT id FROM repositories WHERE name = ?1) "
                       "AND digest = ?2 AND last_pulled_at < ?3 - ?4",
                       pull.repository, pull.digest, pull.pulled_at,
                       static_cast<std::int64_t>(refresh.count()));
            !updated) {
          return updated;
        }
      }
      return {};
    });
  }

  Result<RetentionView> retention_view(std::string_view repository) override {
    return read([&](Connection& db) -> Result<RetentionView> {
      RetentionView view;
      auto tags = read_tags(db, repository);
      if (!tags) return std::unexpected(std::move(tags.error()));
      view.tags = std::move(*tags);
      auto manifests = db.prepare(
          "SELECT m.digest, m.last_pulled_at, c.child_digest FROM manifests m "
          "JOIN repositories r ON r.id = m.repository_id "
          "LEFT JOIN manifest_children c "
          " ON c.repository_id = m.repository_id AND c.manifest_digest = m.digest "
          "WHERE r.name = ?1 ORDER BY m.digest, c.child_digest",
          repository);
      if (!manifests) return std::unexpected(std::move(manifests.error()));
      while (true) {
        auto row = manifests->step();
        if (!row) return std::unexpected(std::move(row.error()));
        if (!*row) break;
        std::string digest = manifests->text(0);
        if (view.manifests.empty() || view.manifests.back().digest != digest) {
          view.manifests.push_back(RetentionManifest{.digest = std::move(digest),
                                                     .last_pulled_at = manifests->integer(1),
                                                     .children = {}});
        }
        if (auto child = manifests->optional_text(2)) {
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
          if (auto deleted =
                  db.run("DELETE FROM tags "
                         "WHERE repository_id = (SELECT id FROM repositories WHERE name = ?1) "
                         "AND name = ?2 AND digest = ?3 AND updated_at = ?4 "
                         "AND (?5 = '' OR NOT EXISTS (SELECT 1 FROM tags t "
                         " WHERE t.repository_id = tags.repository_id AND t.digest = ?5))",
                         repository, tag.name, tag.digest, tag.updated_at, tag.unless_tagged);
              !deleted) {
            return std::unexpected(std::move(deleted.error()));
          }
          if (db.changes() > 0) removed.push_back(tag.name);
        }
      }
      return removed;
    });
  }

  // --- the web UI's views

  Result<TagCount> tag_count(std::string_view repository) override {
    return read([&](Connection& db) -> Result<TagCount> {
      auto select = db.prepare(
          "SELECT COUNT(*), COALESCE(MAX(t.updated_at), 0) FROM tags t "
          "JOIN repositories r ON r.id = t.repository_id WHERE r.name = ?1",
          repository);
      if (!select) return std::unexpected(std::move(select.error()));
      auto row = select->step();
      if (!row) return std::unexpected(std::move(row.error()));
      TagCount count{.tags = static_cast<std::uint64_t>(select->integer(0))};
      if (count.tags > 0) count.newest_updated_at = select->integer(1);
      return count;
    });
  }

  Result<std::vector<RetentionTag>> tag_records(std::string_view repository) override {
    return read([&](Connection& db) { return read_tags(db, repository); });
  }

 private:
  // The repository's tags by name, with digest and update time.
  static Result<std::vector<RetentionTag>> read_tags(Connection& db, std::string_view repository) {
    std::vector<RetentionTag> records;
    auto tags = db.prepare(
        "SELECT t.name, t.digest, t.updated_at FROM tags t "
        "JOIN repositories r ON r.id = t.repository_id WHERE r.name = ?1 ORDER BY t.name",
        repository);
    if (!tags) return std::unexpected(std::move(tags.error()));
    while (true) {
      auto row = tags->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) return records;
      records.push_back(RetentionTag{
          .name = tags->text(0), .digest = tags->text(1), .updated_at = tags->integer(2)});
    }
  }

  // Claims the blob's row (see Store::claim_blob); inside a write transaction. An upsert whose
  // update the WHERE refuses returns no row.
  static Result<bool> claim(Connection& db, std::string_view digest, std::uint64_t size,
                            std::int64_t now) {
    auto upsert = db.prepare(
        "INSERT INTO blobs (digest, size, touched_at, state) VALUES (?1, ?2, ?3, 'live') "
        "ON CONFLICT (digest) DO UPDATE SET touched_at = excluded.touched_at "
        "WHERE blobs.state = 'live' RETURNING state",
        digest, size, now);
    if (!upsert) return std::unexpected(std::move(upsert.error()));
    auto row = upsert->step();
    if (!row) return std::unexpected(std::move(row.error()));
    return *row;
  }

  // Touches the row a claim made, which must still be 'live' (see Store::link_blob); inside a
  // write transaction.
  static Result<void> touch_claimed(Connection& db, std::string_view digest, std::int64_t now) {
    auto touched = db.run("UPDATE blobs SET touched_at = ?2 WHERE digest = ?1 AND state = 'live'",
                          digest, now);
    if (!touched) return touched;
    if (db.changes() == 0) return being_collected(digest);
    return {};
  }

  static Result<void> check_required(Connection& db, std::int64_t id, const ManifestPut& put) {
    for (const std::string& blob : put.required_blobs) {
      auto select = db.prepare(
          "SELECT 1 FROM repository_blobs WHERE repository_id = ?1 AND digest = ?2", id, blob);
      if (!select) return std::unexpected(std::move(select.error()));
      auto row = select->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) return missing_blob(blob);
    }
    for (const std::string& child : put.required_manifests) {
      auto select =
          db.prepare("SELECT 1 FROM manifests WHERE repository_id = ?1 AND digest = ?2", id, child);
      if (!select) return std::unexpected(std::move(select.error()));
      auto row = select->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) return missing_manifest(child);
    }
    return {};
  }

  static Result<RepositorySweep> sweep_in_transaction(Connection& db, std::string_view repository,
                                                      std::int64_t link_cutoff,
                                                      const ChooseRemoved& choose) {
    auto found = db.prepare("SELECT id FROM repositories WHERE name = ?1", repository);
    if (!found) return std::unexpected(std::move(found.error()));
    auto found_row = found->step();
    if (!found_row) return std::unexpected(std::move(found_row.error()));
    if (!*found_row) return RepositorySweep{};
    const std::int64_t id = found->integer(0);

    auto manifests = gc_manifests(db, id);
    if (!manifests) return std::unexpected(std::move(manifests.error()));
    RepositorySweep sweep;
    sweep.manifests = choose(*manifests);
    for (const std::string& digest : sweep.manifests) {
      // Its tags and reference rows go with it (ON DELETE CASCADE).
      if (auto deleted =
              db.run("DELETE FROM manifests WHERE repository_id = ?1 AND digest = ?2", id, digest);
          !deleted) {
        return std::unexpected(std::move(deleted.error()));
      }
    }
    auto links = all_text(
        db.prepare("DELETE FROM repository_blobs WHERE repository_id = ?1 AND linked_at < ?2 "
                   "AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.repository_id = ?1 "
                   " AND mb.blob_digest = repository_blobs.digest) "
                   "AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = ?1 "
                   " AND m.digest = repository_blobs.digest) "
                   "RETURNING digest",
                   id, link_cutoff));
    if (!links) return std::unexpected(std::move(links.error()));
    sweep.links = std::move(*links);
    std::sort(sweep.links.begin(), sweep.links.end());
    return sweep;
  }

  static Result<std::vector<GcManifest>> gc_manifests(Connection& db, std::int64_t id) {
    auto select = db.prepare(
        "SELECT m.digest, m.subject, m.pushed_at, EXISTS (SELECT 1 FROM tags t "
        " WHERE t.repository_id = m.repository_id AND t.digest = m.digest) "
        "FROM manifests m WHERE m.repository_id = ?1 ORDER BY m.digest",
        id);
    if (!select) return std::unexpected(std::move(select.error()));
    std::vector<GcManifest> manifests;
    std::unordered_map<std::string, std::size_t> index;
    while (true) {
      auto row = select->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) break;
      index.emplace(select->text(0), manifests.size());
      manifests.push_back(GcManifest{.digest = select->text(0),
                                     .subject = select->optional_text(1),
                                     .children = {},
                                     .tagged = select->integer(3) != 0,
                                     .pushed_at = select->integer(2)});
    }
    auto children = db.prepare(
        "SELECT manifest_digest, child_digest FROM manifest_children WHERE repository_id = ?1 "
        "ORDER BY manifest_digest, child_digest",
        id);
    if (!children) return std::unexpected(std::move(children.error()));
    while (true) {
      auto row = children->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) return manifests;
      if (auto parent = index.find(children->text(0)); parent != index.end()) {
        manifests[parent->second].children.push_back(children->text(1));
      }
    }
  }

  // From rows of: digest, size.
  static Result<std::vector<GarbageBlob>> garbage_at(Result<Statement> statement) {
    if (!statement) return std::unexpected(std::move(statement.error()));
    std::vector<GarbageBlob> blobs;
    while (true) {
      auto row = statement->step();
      if (!row) return std::unexpected(std::move(row.error()));
      if (!*row) return blobs;
      blobs.push_back({statement->text(0), static_cast<std::uint64_t>(statement->integer(1))});
    }
  }

  static Result<void> changed_upload(Connection& db, std::string_view id) {
    if (db.changes() == 0) {
      return oci::fail(ErrorCode::kBlobUploadUnknown, "no upload session " + std::string(id));
    }
    return {};
  }

  static Result<void> link(Connection& db, std::string_view repository, std::string_view digest) {
    const std::int64_t now = now_seconds();
    auto id = repository_id(db, repository);
    if (!id) return std::unexpected(std::move(id.error()));
    if (auto claimed = touch_claimed(db, digest, now); !claimed) return claimed;
    // Linked again: young again, as GC counts a link's grace from when it was made.
    return db.run(
        "INSERT INTO repository_blobs (repository_id, digest, linked_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (repository_id, digest) DO UPDATE SET linked_at = excluded.linked_at",
        *id, digest, now);
  }

  static Result<void> record_references(Connection& db, std::int64_t id, const ManifestPut& put) {
    for (const std::string& blob : put.blob_digests) {
      if (auto linked =
              db.run("INSERT INTO manifest_blobs (repository_id, manifest_digest, blob_digest) "
                     "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                     id, put.manifest.digest, blob);
          !linked) {
        return linked;
      }
    }
    for (const std::string& child : put.manifest_digests) {
      if (auto linked =
              db.run("INSERT INTO manifest_children (repository_id, manifest_digest, child_digest) "
                     "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                     id, put.manifest.digest, child);
          !linked) {
        return linked;
      }
    }
    return {};
  }

  // What the read cache asks: SQLite's count of commits by other connections, this process's
  // included, on a connection of its own (the count is per connection).
  Result<std::uint64_t> data_version() {
    auto select = probe_->prepare("PRAGMA data_version");
    if (!select) return std::unexpected(std::move(select.error()));
    auto row = select->step();
    if (!row) return std::unexpected(std::move(row.error()));
    return static_cast<std::uint64_t>(select->integer(0));
  }

  // This thread's connection, opened on its first call. The thread remembers it, so that only
  // its first call takes the lock.
  Result<Connection*> connection() {
    struct Remembered {
      std::uint64_t store = 0;
      Connection* connection = nullptr;
    };
    thread_local Remembered remembered;
    if (remembered.store == serial_) return remembered.connection;
    std::lock_guard lock(mutex_);
    auto& slot = connections_[std::this_thread::get_id()];
    if (!slot) {
      auto opened = Connection::open(file_);
      if (!opened) {
        connections_.erase(std::this_thread::get_id());
        return std::unexpected(std::move(opened.error()));
      }
      slot = std::move(*opened);
    }
    remembered = {serial_, slot.get()};
    return slot.get();
  }

  template <class Body>
  std::invoke_result_t<Body&, Connection&> read(Body&& body) {
    auto db = connection();
    if (!db) return std::unexpected(std::move(db.error()));
    return body(**db);
  }

  template <class Body>
  std::invoke_result_t<Body&, Connection&> write(Body&& body) {
    auto db = connection();
    if (!db) return std::unexpected(std::move(db.error()));
    auto result = (*db)->write_transaction([&] { return body(**db); });
    cache_.invalidate();  // after the commit: a read from now on must see the write
    return result;
  }

  // A write to rows no cached answer depends on (upload sessions, leases): the cache stays.
  template <class Body>
  std::invoke_result_t<Body&, Connection&> write_uncached(Body&& body) {
    auto db = connection();
    if (!db) return std::unexpected(std::move(db.error()));
    return (*db)->write_transaction([&] { return body(**db); });
  }

  const std::filesystem::path file_;
  const std::uint64_t serial_ = next_store_serial.fetch_add(1);
  std::mutex mutex_;  // guards connections_, not the connections
  std::unordered_map<std::thread::id, std::unique_ptr<Connection>> connections_;
  const std::unique_ptr<Connection> probe_;  // used by the cache, one probe at a time
  ReadCache cache_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& file,
                                                 ReadCacheOptions cache) {
  auto first = sqlite::Connection::open(file);
  if (!first) return std::unexpected(std::move(first.error()));
  if (auto migrated = sqlite::migrate(**first); !migrated) {
    return std::unexpected(std::move(migrated.error()));
  }
  auto probe = sqlite::Connection::open(file);
  if (!probe) return std::unexpected(std::move(probe.error()));
  return std::make_unique<SqliteStore>(file, std::move(*first), std::move(*probe), cache);
}

}  // namespace metadata
