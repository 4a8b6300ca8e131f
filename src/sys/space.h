// How much can still be written to a file system.
#pragma once

#include <cstdint>
#include <filesystem>

#include "sys/error.h"

namespace sys {

// Bytes an unprivileged writer can still store on the file system holding `path` (statvfs).
Result<std::uint64_t> free_space(const std::filesystem::path& path);

}  // namespace sys
