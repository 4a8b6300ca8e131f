// Directories only the user may enter, for files that hold secrets or state (auth.json, the
// upload journal).
#pragma once

#include <filesystem>

#include "oci/error.h"

namespace client {

// mkdir -p with mode 0700 for what it creates, as containers/image's MkdirAll(dir, 0700)
// (sys::create_private_directories, with the client's error type).
oci::Result<void> make_private_dirs(const std::filesystem::path& dir);

}  // namespace client
