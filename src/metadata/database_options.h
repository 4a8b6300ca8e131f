// Where the metadata lives: the embedded SQLite file or a PostgreSQL server (config
// `database.*`, docs/config.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace metadata {

struct DatabaseOptions {
  // "" = SQLite under the storage root; postgresql://user:password@host:port/database (or
  // postgres://, and any libpq URI parameter) = PostgreSQL.
  std::string url;
  std::size_t pool_size = 8;  // PostgreSQL connections per process, at most
  std::chrono::milliseconds connect_timeout{5000};
};

}  // namespace metadata
