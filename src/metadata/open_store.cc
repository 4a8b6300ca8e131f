#include "metadata/open_store.h"

#include "metadata/pg_connection.h"
#include "metadata/pg_store.h"
#include "metadata/sqlite_store.h"

namespace metadata {

Result<std::unique_ptr<Store>> open_store(const DatabaseOptions& options,
                                          const std::filesystem::path& storage_root,
                                          ReadCacheOptions cache) {
  if (options.url.empty()) return open_sqlite_store(storage_root / "metadata.sqlite", cache);
  if (!is_postgres_url(options.url)) {
    return oci::fail(oci::ErrorCode::kInternal, "database.url: " + postgres::redacted(options.url) +
                                                    " is not a postgresql:// or postgres:// URL");
  }
  return open_postgres_store(options, cache);
}

}  // namespace metadata
