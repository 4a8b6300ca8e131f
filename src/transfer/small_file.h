// Whole small files (index.json, oci-layout, manifests, journal entries, mirror sets) through
// sys/, and the one place where file errors (sys::Error) become the ImageStore's error codes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "oci/error.h"
#include "sys/error.h"

namespace transfer {

// not found -> kNotFound, invalid range -> kRangeInvalid, too large -> kSizeInvalid,
// path escape -> kDenied (a layout or archive naming something outside itself is refused,
// not "invalid manifest"), invalid -> kUnsupported, I/O -> kInternal. The message names the
// kind of failure.
oci::Error from_file_error(sys::Error error);

inline std::unexpected<oci::Error> file_failure(sys::Error error) {
  return std::unexpected(from_file_error(std::move(error)));
}

// The file's bytes; kNotFound when it is missing, kSizeInvalid past `max_size` bytes.
oci::Result<std::string> read_small_file(const std::filesystem::path& path, std::int64_t max_size);

// A temporary file beside `path`, fsynced, renamed over it, and the directory fsynced. The
// directory must exist.
oci::Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace transfer
