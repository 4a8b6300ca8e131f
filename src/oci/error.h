// Errors as values at module edges. The codes are the OCI distribution-spec's, plus the few
// internal ones every module needs; server/ turns them into the spec's JSON bodies.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace oci {

enum class ErrorCode {
  // distribution-spec codes
  kBlobUnknown,
  kBlobUploadInvalid,
  kBlobUploadUnknown,
  kDigestInvalid,
  kManifestBlobUnknown,
  kManifestInvalid,
  kManifestUnknown,
  kNameInvalid,
  kNameUnknown,
  kPaginationNumberInvalid,  // a page size `n` that is not a number (distribution's code)
  kSizeInvalid,
  kUnauthorized,
  kDenied,
  kUnsupported,
  kTooManyRequests,
  // not in the spec's table
  kRangeInvalid,  // unsatisfiable or malformed Range / Content-Range (HTTP 416)
  kNotFound,      // generic: a storage path or record that does not exist
  kInternal,      // I/O failure, database failure, bug
};

struct Error {
  ErrorCode code;
  std::string message;
  std::string detail = {};  // initialised so that Error{code, message} stays warning-free
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string detail = {}) {
  return std::unexpected(Error{code, std::move(message), std::move(detail)});
}

// The spec's code string, e.g. "BLOB_UNKNOWN".
std::string_view code_name(ErrorCode code);

}  // namespace oci
