// Feeding bytes already in storage through a hasher, for the rare paths that cannot use the
// running hash of an upload (after a restart, or for another digest algorithm).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "oci/error.h"
#include "storage/driver.h"

namespace registry {

// Feeds the first `size` bytes of the file at `path` to `hash`, in bounded pieces; bytes past
// them (a tail a crash left unrecorded) are ignored. A file missing or shorter than `size` is
// kBlobUploadInvalid: the upload lost bytes it had acknowledged.
oci::Result<void> hash_stored_bytes(storage::Driver& driver, std::string_view path,
                                    std::uint64_t size,
                                    const std::function<void(std::span<const std::byte>)>& hash);

}  // namespace registry
