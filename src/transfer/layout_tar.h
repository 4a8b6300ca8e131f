// An OCI layout directory to and from a tar file (the oci-archive: transport), streamed
// through libarchive so that no blob is held in memory.
#pragma once

#include <filesystem>

#include "sys/error.h"

namespace transfer {

// Writes every regular file under `directory` (paths relative to it, sorted) into the tar
// `file`, atomically: a temporary file beside it, fsynced, renamed. Leftovers of interrupted
// writes ("*.partial", ".tmp~*") are left out.
sys::Result<void> pack_directory(const std::filesystem::path& directory,
                                 const std::filesystem::path& file);

// Extracts the tar `file` (compressed or not) into the existing `directory`. Only regular files
// and directories are accepted (kInvalid otherwise), with relative paths that stay inside
// `directory` (kPathEscape otherwise).
sys::Result<void> unpack_archive(const std::filesystem::path& file,
                                 const std::filesystem::path& directory);

}  // namespace transfer
