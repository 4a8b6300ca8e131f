#include "metadata/pg_schema.h"

#include <algorithm>
#include <array>
#include <string>

namespace metadata::postgres {

namespace {

// kMigrations[i] takes the schema from version i to version i + 1. Never edit one that has
// shipped; append another.
//
// The tables of sqlite_schema.cc (both of its migrations), in PostgreSQL's words: identity
// columns for ids, BYTEA for bytes, and COLLATE "C" on every name that is ordered or compared
// so that pages run in byte order as in SQLite, whatever the database's locale. Plus the change
// counter the read cache probes.
constexpr std::array<const char*, 5> kMigrations = {
    R"sql(
CREATE TABLE repositories (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE
);

CREATE TABLE blobs (
  digest TEXT COLLATE "C" PRIMARY KEY,
  size BIGINT NOT NULL
);

CREATE TABLE repository_blobs (
  repository_id BIGINT NOT NULL REFERENCES repositories (id),
  digest TEXT COLLATE "C" NOT NULL REFERENCES blobs (digest),
  PRIMARY KEY (repository_id, digest)
);
CREATE INDEX repository_blobs_by_digest ON repository_blobs (digest);

CREATE TABLE manifests (
  repository_id BIGINT NOT NULL REFERENCES repositories (id),
  digest TEXT COLLATE "C" NOT NULL,
  media_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  artifact_type TEXT NOT NULL,
  subject TEXT COLLATE "C",
  annotations TEXT NOT NULL,
  PRIMARY KEY (repository_id, digest)
);
CREATE INDEX manifests_by_subject ON manifests (repository_id, subject, digest);
CREATE INDEX manifests_by_digest ON manifests (digest);

-- What each manifest references; rows go with their manifest.
CREATE TABLE manifest_blobs (
  repository_id BIGINT NOT NULL,
  manifest_digest TEXT COLLATE "C" NOT NULL,
  blob_digest TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (repository_id, manifest_digest, blob_digest),
  FOREIGN KEY (repository_id, manifest_digest)
    REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
);
CREATE INDEX manifest_blobs_by_blob ON manifest_blobs (blob_digest);

CREATE TABLE manifest_children (
  repository_id BIGINT NOT NULL,
  manifest_digest TEXT COLLATE "C" NOT NULL,
  child_digest TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (repository_id, manifest_digest, child_digest),
  FOREIGN KEY (repository_id, manifest_digest)
    REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
);
CREATE INDEX manifest_children_by_child ON manifest_children (child_digest);

CREATE TABLE tags (
  repository_id BIGINT NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  digest TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (repository_id, name),
  FOREIGN KEY (repository_id, digest)
    REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
);
CREATE INDEX tags_by_manifest ON tags (repository_id, digest);

CREATE TABLE uploads (
  id TEXT COLLATE "C" PRIMARY KEY,
  repository TEXT NOT NULL,
  size BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  hash_state BYTEA NOT NULL DEFAULT '\x'
);
CREATE INDEX uploads_by_updated_at ON uploads (updated_at);

CREATE TABLE leases (
  name TEXT COLLATE "C" PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at BIGINT NOT NULL  -- milliseconds since the epoch, by the database's clock
);

-- Moved by every write that may change a cached answer, once it has committed: what the read
-- caches of every replica probe (a sequence, so that writers never wait on each other for it).
CREATE SEQUENCE store_changes;
)sql",
    // Settings every replica uses alike (the token signing key when the config names none).
    R"sql(
CREATE TABLE settings (
  name TEXT COLLATE "C" PRIMARY KEY,
  value TEXT NOT NULL
);
)sql",
    // Garbage collection, as SQLite's fourth migration says; the new columns default to now,
    // so that a replica still on the previous binary during a rolling upgrade dates its rows.
    R"sql(
ALTER TABLE blobs ADD COLUMN touched_at BIGINT NOT NULL DEFAULT extract(epoch FROM now())::bigint;
ALTER TABLE blobs ADD COLUMN state TEXT NOT NULL DEFAULT 'live';
ALTER TABLE repository_blobs ADD COLUMN linked_at BIGINT NOT NULL DEFAULT extract(epoch FROM now())::bigint;
ALTER TABLE manifests ADD COLUMN pushed_at BIGINT NOT NULL DEFAULT extract(epoch FROM now())::bigint;
ALTER TABLE tags ADD COLUMN updated_at BIGINT NOT NULL DEFAULT extract(epoch FROM now())::bigint;
UPDATE blobs SET touched_at = extract(epoch FROM now())::bigint;
UPDATE repository_blobs SET linked_at = extract(epoch FROM now())::bigint;
UPDATE manifests SET pushed_at = extract(epoch FROM now())::bigint;
UPDATE tags SET updated_at = extract(epoch FROM now())::bigint;
INSERT INTO blobs (digest, size, touched_at, state)
  SELECT digest, MAX(size), extract(epoch FROM now())::bigint, 'live' FROM manifests
  GROUP BY digest
  ON CONFLICT (digest) DO NOTHING;
CREATE INDEX blobs_by_touched_at ON blobs (state, touched_at);

CREATE TABLE gc_runs (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  manifests_removed BIGINT NOT NULL,
  blobs_removed BIGINT NOT NULL,
  bytes_freed BIGINT NOT NULL,
  dry_run BOOLEAN NOT NULL,
  error TEXT NOT NULL
);
)sql",
    // The events outbox and how far each webhook endpoint got through it. Appends take an
    // advisory lock (pg_store.cc) so that ids become visible in increasing order.
    R"sql(
CREATE TABLE events (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time_ms BIGINT NOT NULL,
  action TEXT NOT NULL,
  repository TEXT NOT NULL,
  payload TEXT NOT NULL
);

CREATE TABLE event_cursors (
  endpoint TEXT COLLATE "C" PRIMARY KEY,
  delivered BIGINT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_ms BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT ''
);
)sql",
    // Retention, as SQLite's sixth migration says.
    R"sql(
ALTER TABLE manifests ADD COLUMN last_pulled_at BIGINT NOT NULL DEFAULT 0;
)sql",
};

// Any number that the other users of the database's advisory locks do not use.
constexpr std::int64_t kMigrationLock = 0x7265676d6972726f;  // "regmirro"

}  // namespace

oci::Result<int> migrate(Connection& connection) {
  return migrate_to(connection, kMigrations.size());
}

oci::Result<int> migrate_to(Connection& connection, std::size_t target) {
  return connection.transaction([&]() -> oci::Result<int> {
    if (auto locked = connection.query("SELECT pg_advisory_xact_lock($1::bigint)", kMigrationLock);
        !locked) {
      return std::unexpected(std::move(locked.error()));
    }
    if (auto made = connection.script("CREATE TABLE IF NOT EXISTS schema_migrations ("
                                      " version INTEGER PRIMARY KEY,"
                                      " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
        !made) {
      return std::unexpected(std::move(made.error()));
    }
    auto current = connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!current) return std::unexpected(std::move(current.error()));
    const auto version = static_cast<std::size_t>(current->integer(0, 0));
    if (version > kMigrations.size()) {
      return oci::fail(oci::ErrorCode::kInternal, "database schema version " +
                                                      std::to_string(version) +
                                                      " is newer than this binary knows (" +
                                                      std::to_string(kMigrations.size()) + ")");
    }
    const std::size_t reached = std::max(version, target);
    for (std::size_t step = version; step < reached; ++step) {
      if (auto migrated = connection.script(kMigrations[step]); !migrated) {
        return std::unexpected(std::move(migrated.error()));
      }
      if (auto recorded =
              connection.query("INSERT INTO schema_migrations (version) VALUES ($1)", step + 1);
          !recorded) {
        return std::unexpected(std::move(recorded.error()));
      }
    }
    return static_cast<int>(reached);
  });
}

}  // namespace metadata::postgres
