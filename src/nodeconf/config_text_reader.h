// Reads a configuration file whole, refusing anything larger than a limit, with errors worded
// as Go's os.ReadFile words them ("open FILE: no such file or directory").
#pragma once

#include <cstdint>
#include <expected>
#include <string>

namespace nodeconf {

// Files larger than this are refused rather than read into memory.
inline constexpr std::uintmax_t kMaxConfigFileBytes = 64u << 20;

struct ReadError {
  int errno_value;  // 0 when the file is merely too large
  std::string message;
};

std::expected<std::string, ReadError> read_config_text(
    const std::string& path, std::uintmax_t max_bytes = kMaxConfigFileBytes);

// strerror in Go's spelling: lower case ("no such file or directory").
std::string go_errno_text(int errno_value);

}  // namespace nodeconf
