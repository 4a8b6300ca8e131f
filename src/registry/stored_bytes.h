// Feeding bytes already in storage through a hasher, for the rare paths that cannot use the
// running hash of an upload (after a restart, or for another digest algorithm).
#pragma once

#include <cstdint>
#include <string_view>

#include "oci/digest.h"
#include "oci/error.h"
#include "storage/driver.h"

namespace registry {

// Hashes the first `size` bytes of the file at `path` into `hasher`, in bounded pieces; bytes
// past them (a tail a crash left unrecorded) are ignored. A file missing or shorter than
// `size` is kBlobUploadInvalid: the upload lost bytes it had acknowledged.
oci::Result<void> hash_stored_bytes(storage::Driver& driver, std::string_view path,
                                    std::uint64_t size, oci::DigestHasher& hasher);

}  // namespace registry
