// The metadata store on PostgreSQL, shared by every replica of a registry.
#pragma once

#include <memory>

#include "metadata/database_options.h"
#include "metadata/read_cache.h"
#include "metadata/store.h"

namespace metadata {

// Connects to `options.url`, brings its schema up to date (migrations in one transaction under
// an advisory lock) and returns a store using at most `options.pool_size` connections; safe to
// call from any number of threads. A connection lost (server restart) fails the call that
// used it and is replaced on the next one. The read cache notices other processes' writes
// within `cache.max_staleness`.
oci::Result<std::unique_ptr<Store>> open_postgres_store(const DatabaseOptions& options,
                                                        ReadCacheOptions cache = {});

// Applies the migrations (as open_postgres_store does) and returns the schema version reached:
// `regmirror migrate`.
oci::Result<int> migrate_postgres(const DatabaseOptions& options);

}  // namespace metadata
