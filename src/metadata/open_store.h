// Opens the metadata store the configuration chooses: SQLite under the storage root (no
// database.url) or PostgreSQL (database.url = postgresql://... or postgres://...).
#pragma once

#include <filesystem>
#include <memory>

#include "metadata/database_options.h"
#include "metadata/read_cache.h"
#include "metadata/store.h"

namespace metadata {

// A URL of another scheme is an error naming database.url (without its password).
Result<std::unique_ptr<Store>> open_store(const DatabaseOptions& options,
                                          const std::filesystem::path& storage_root,
                                          ReadCacheOptions cache);

}  // namespace metadata
