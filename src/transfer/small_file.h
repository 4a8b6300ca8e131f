// Whole small files (index.json, oci-layout, manifests, journal entries, mirror sets): read
// with a size limit, and replaced atomically so that a reader sees the old or the new file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "oci/error.h"

namespace transfer {

// The file's bytes; kNotFound when it is missing, kManifestInvalid past `max_size` bytes.
oci::Result<std::string> read_small_file(const std::filesystem::path& path, std::int64_t max_size);

// A temporary file beside `path`, fsynced, renamed over it, and the directory fsynced. The
// directory must exist.
oci::Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace transfer
