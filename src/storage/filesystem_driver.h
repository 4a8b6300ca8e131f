// The default driver: files under a root directory on a local (POSIX) filesystem.
#pragma once

#include <filesystem>
#include <memory>

#include "storage/driver.h"

namespace storage {

// Creates `root` if needed. The driver is safe to use from many threads; each Reader and
// Writer it returns is for one thread at a time.
std::unique_ptr<Driver> make_filesystem_driver(std::filesystem::path root);

}  // namespace storage
