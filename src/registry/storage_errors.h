// Where storage's errors (sys::Error: not found, invalid range, ...) become the
// distribution-spec codes the rest of the registry and server/ speak.
#pragma once

#include <expected>

#include "oci/error.h"
#include "sys/error.h"

namespace registry {

// not found -> kNotFound (callers that know what is missing say kBlobUnknown and so on),
// invalid range -> kRangeInvalid, too large -> kSizeInvalid; a path escape, invalid input or
// an I/O error -> kInternal: the registry builds every storage path itself, so those are
// failures of the server, not of the request.
oci::Error from_storage(sys::Error error);

inline std::unexpected<oci::Error> storage_failure(sys::Error error) {
  return std::unexpected(from_storage(std::move(error)));
}

}  // namespace registry
