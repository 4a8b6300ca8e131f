// The database schema, created and migrated step by step, its version kept in
// PRAGMA user_version.
#pragma once

#include <cstddef>

#include "metadata/sqlite_connection.h"
#include "oci/error.h"

namespace metadata::sqlite {

// Brings the database up to the newest schema; fails on a database from a newer binary.
oci::Result<void> migrate(Connection& connection);
// Up to schema `version` only: tests make the database an older binary left.
oci::Result<void> migrate_to(Connection& connection, std::size_t version);

}  // namespace metadata::sqlite
