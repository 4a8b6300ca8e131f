// Whole small files (index.json, manifests, journal entries, configuration), read with a
// size limit so that a wrong path cannot make the caller load gigabytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "sys/error.h"

namespace sys {

// The file's bytes; kNotFound when it is missing or not a regular file, kTooLarge when it
// holds more than `max_size` bytes.
Result<std::string> read_small_file(const std::filesystem::path& path, std::uint64_t max_size);

}  // namespace sys
