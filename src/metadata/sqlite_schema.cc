#include "metadata/sqlite_schema.h"

#include <algorithm>
#include <array>
#include <string>

namespace metadata::sqlite {

namespace {

// kMigrations[i] takes the schema from version i to version i + 1. Never edit one that has
// shipped; append another.
//
// Plain SQL that PostgreSQL also reads, but for two things its backend will spell its own way:
// "INTEGER PRIMARY KEY" (there an identity column) and the byte order of names (SQLite's
// default BINARY collation; there COLLATE "C").
constexpr std::array<const char*, 6> kMigrations = {
    R"sql(
CREATE TABLE repositories (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE blobs (
  digest TEXT PRIMARY KEY,
  size BIGINT NOT NULL
);

CREATE TABLE repository_blobs (
  repository_id INTEGER NOT NULL REFERENCES repositories (id),
  digest TEXT NOT NULL REFERENCES blobs (digest),
  PRIMARY KEY (repository_id, digest)
);
CREATE INDEX repository_blobs_by_digest ON repository_blobs (digest);

CREATE TABLE manifests (
  repository_id INTEGER NOT NULL REFERENCES repositories (id),
  digest TEXT NOT NULL,
  media_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  artifact_type TEXT NOT NULL,
  subject TEXT,
  annotations TEXT NOT NULL,
  PRIMARY KEY (repository_id, digest)
);
CREATE INDEX manifests_by_subject ON manifests (repository_id, subject, digest);
CREATE INDEX manifests_by_digest ON manifests (digest);

-- What each manifest references; rows go with their manifest.
CREATE TABLE manifest_blobs (
  repository_id INTEGER NOT NULL,
  manifest_digest TEXT NOT NULL,
  blob_digest TEXT NOT NULL,
  PRIMARY KEY (repository_id, manifest_digest, blob_digest),
  FOREIGN KEY (repository_id, manifest_digest)
    REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
);
CREATE INDEX manifest_blobs_by_blob ON manifest_blobs (blob_digest);

CREATE TABLE manifest_children (
  repository_id INTEGER NOT NULL,
  manifest_digest TEXT NOT NULL,
  child_digest TEXT NOT NULL,
  PRIMARY KEY (repository_id, manifest_digest, child_digest),
  FOREIGN KEY (repository_id, manifest_digest)
    REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
);
CREATE INDEX manifest_children_by_child ON manifest_children (child_digest);

CREATE TABLE tags (
  repository_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  digest TEXT NOT NULL,
  PRIMARY KEY (repository_id, name),
  FOREIGN KEY (repository_id, digest)
    REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
);
CREATE INDEX tags_by_manifest ON tags (repository_id, digest);

CREATE TABLE uploads (
  id TEXT PRIMARY KEY,
  repository TEXT NOT NULL,
  size BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX uploads_by_updated_at ON uploads (updated_at);
)sql",
    // Replicas sharing the database: an upload's running hash, so that another one continues
    // it, and leases, so that one of them fetches a blob from upstream at a time.
    R"sql(
ALTER TABLE uploads ADD COLUMN hash_state BLOB NOT NULL DEFAULT x'';

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
)sql",
    // Settings every process sharing the database uses alike.
    R"sql(
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql",
    // Garbage collection: when each blob was last claimed and whether GC is deleting it, when
    // each link, manifest and tag was made, a blob row for every manifest's own bytes, and a
    // record of the runs. Existing rows date from now: nothing becomes garbage before a grace.
    R"sql(
ALTER TABLE blobs ADD COLUMN touched_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE blobs ADD COLUMN state TEXT NOT NULL DEFAULT 'live';
ALTER TABLE repository_blobs ADD COLUMN linked_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE manifests ADD COLUMN pushed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tags ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE blobs SET touched_at = unixepoch();
UPDATE repository_blobs SET linked_at = unixepoch();
UPDATE manifests SET pushed_at = unixepoch();
UPDATE tags SET updated_at = unixepoch();
INSERT OR IGNORE INTO blobs (digest, size, touched_at, state)
  SELECT digest, MAX(size), unixepoch(), 'live' FROM manifests GROUP BY digest;
CREATE INDEX blobs_by_touched_at ON blobs (state, touched_at);

CREATE TABLE gc_runs (
  id INTEGER PRIMARY KEY,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  manifests_removed BIGINT NOT NULL,
  blobs_removed BIGINT NOT NULL,
  bytes_freed BIGINT NOT NULL,
  dry_run INTEGER NOT NULL,
  error TEXT NOT NULL
);
)sql",
    // The events outbox and how far each webhook endpoint got through it. AUTOINCREMENT: an id
    // is never given again, even once every event was deleted (cursors point past it).
    R"sql(
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time_ms BIGINT NOT NULL,
  action TEXT NOT NULL,
  repository TEXT NOT NULL,
  payload TEXT NOT NULL
);

CREATE TABLE event_cursors (
  endpoint TEXT PRIMARY KEY,
  delivered BIGINT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_ms BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT ''
);
)sql",
    // Retention: when each manifest of a repository was last pulled (unix seconds; 0 = never
    // since this upgrade), as the pull recorder (registry/pull_recorder.h) writes it.
    R"sql(
ALTER TABLE manifests ADD COLUMN last_pulled_at BIGINT NOT NULL DEFAULT 0;
)sql",
};

oci::Result<int> schema_version(Connection& connection) {
  auto statement = connection.prepare("PRAGMA user_version");
  if (!statement) return std::unexpected(std::move(statement.error()));
  auto row = statement->step();
  if (!row) return std::unexpected(std::move(row.error()));
  return *row ? static_cast<int>(statement->integer(0)) : 0;
}

}  // namespace

oci::Result<void> migrate(Connection& connection) {
  return migrate_to(connection, kMigrations.size());
}

oci::Result<void> migrate_to(Connection& connection, std::size_t target) {
  // In a write transaction, so that two processes opening a new database do not both create it.
  return connection.write_transaction([&]() -> oci::Result<void> {
    auto version = schema_version(connection);
    if (!version) return std::unexpected(std::move(version.error()));
    if (*version > static_cast<int>(kMigrations.size())) {
      return oci::fail(oci::ErrorCode::kInternal, "database schema version " +
                                                      std::to_string(*version) +
                                                      " is newer than this binary knows (" +
                                                      std::to_string(kMigrations.size()) + ")");
    }
    const std::size_t reached = std::max(static_cast<std::size_t>(*version), target);
    for (auto step = static_cast<std::size_t>(*version); step < reached; ++step) {
      if (auto migrated = connection.execute_script(kMigrations[step]); !migrated) return migrated;
    }
    return connection.execute_script("PRAGMA user_version = " + std::to_string(reached));
  });
}

}  // namespace metadata::sqlite
