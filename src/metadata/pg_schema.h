// The PostgreSQL schema, created and upgraded by versioned migrations.
#pragma once

#include <cstddef>

#include "metadata/pg_connection.h"

namespace metadata::postgres {

// Brings the database to the newest schema this binary knows and returns that version. In one
// transaction under an advisory lock, so that replicas starting at once do not race; fails
// when the database is newer than this binary.
oci::Result<int> migrate(Connection& connection);
// Up to schema `version` only: tests make the database an older binary left.
oci::Result<int> migrate_to(Connection& connection, std::size_t version);

}  // namespace metadata::postgres
