// A driver that keeps files in memory, for tests (after LevelDB's memenv). It behaves like an
// object store: directories exist only as prefixes of file paths.
#pragma once

#include <memory>

#include "storage/driver.h"

namespace storage {

// Safe to use from many threads; each Reader and Writer it returns is for one thread at a time.
std::unique_ptr<Driver> make_memory_driver();

}  // namespace storage
