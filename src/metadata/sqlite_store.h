// The embedded metadata store: one SQLite database file.
#pragma once

#include <filesystem>
#include <memory>

#include "metadata/read_cache.h"
#include "metadata/store.h"

namespace metadata {

// Opens (creating and migrating it if needed) the database in `file`; its directory must
// exist. The store is safe to call from many threads: each thread gets its own connection on
// first use, kept until the store is destroyed, so use it from a fixed pool of threads.
// Several stores, in this process or others, may share the file: the read cache notices their
// writes within `cache.max_staleness` (see read_cache.h).
oci::Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& file,
                                                      ReadCacheOptions cache = {});

}  // namespace metadata
