// Feeding bytes already in storage through a hasher, for the rare paths that cannot use the
// running hash of an upload (after a restart, or for another digest algorithm).
#pragma once

#include <cstdint>
#include <string_view>

#include "oci/digest.h"
#include "oci/error.h"
#include "storage/driver.h"

namespace registry {

// Hashes the whole file at `path` into `hasher` (a missing file counts as empty) and returns
// how many bytes it held. Reads in bounded pieces.
oci::Result<std::uint64_t> hash_stored_bytes(storage::Driver& driver, std::string_view path,
                                             oci::DigestHasher& hasher);

}  // namespace registry
