// The error vocabulary of the layers below registry/ (sys/, storage/, the file side of
// transfer/): what went wrong with bytes and paths, nothing about the distribution spec.
// registry/ and transfer/'s store edge translate these into oci::Error codes.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace sys {

enum class Errc {
  kNotFound,      // the path (or a directory on the way) does not exist
  kInvalidRange,  // an offset or length beyond what the file holds
  kTooLarge,      // more bytes than the caller's limit
  kPathEscape,    // a path that would leave the directory it must stay in, or cannot be one
  kInvalid,       // input of a kind that cannot be used (e.g. a device entry in an archive)
  kIo,            // anything else the system refused: permissions, full disk, EIO
};

struct Error {
  Errc code;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Errc code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

// "<operation> <path>: <strerror>", kNotFound for ENOENT and ENOTDIR, kIo otherwise.
std::unexpected<Error> os_error(std::string_view operation, const std::filesystem::path& path,
                                int error);

// "not found", "invalid range", "too large", "path escape", "invalid", "I/O error".
std::string_view describe(Errc code);

}  // namespace sys
