// Where the metadata lives: the embedded SQLite file or a PostgreSQL server (config
// `database.*`, docs/config.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace metadata {

// The URL names a PostgreSQL database.
inline bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

struct DatabaseOptions {
  // "" = SQLite under the storage root; postgresql://user:password@host:port/database (or
  // postgres://, and any libpq URI parameter) = PostgreSQL.
  std::string url;
  std::size_t pool_size = 8;  // PostgreSQL connections per process, at most
  std::chrono::milliseconds connect_timeout{5000};
};

}  // namespace metadata
