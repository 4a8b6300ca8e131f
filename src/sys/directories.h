// Creating directories durably: each directory created is made to survive a crash by syncing
// the directory that names it, so a file later renamed into it cannot lose its path.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "sys/error.h"

namespace sys {

// mkdir -p: creates `directory` and whatever parents it lacks with `mode` (before umask).
// Existing directories are left as they are. kIo when a file stands where a directory must go.
Result<void> create_directories(const std::filesystem::path& directory, mode_t mode = 0755);

// Directories only the user may enter, for secrets and state (auth.json, upload journals):
// what is created gets 0700, as containers/image's MkdirAll(dir, 0700).
inline Result<void> create_private_directories(const std::filesystem::path& directory) {
  return create_directories(directory, 0700);
}

// A new directory "<parent>/<prefix>XXXXXX" with a unique name and mode 0700 (mkdtemp(3)),
// for scratch space such as an extracted archive.
Result<std::filesystem::path> create_temporary_directory(const std::filesystem::path& parent,
                                                         std::string_view prefix);

}  // namespace sys
