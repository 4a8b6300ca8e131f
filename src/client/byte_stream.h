// The two callbacks blob bytes flow through, so that no blob is ever held whole in memory.
#pragma once

#include <cstddef>
#include <functional>
#include <span>

#include "oci/error.h"

namespace client {

// Receives the next bytes of a download; an error aborts the transfer with that error.
using ByteSink = std::function<oci::Result<void>(std::span<const std::byte>)>;

// Fills the buffer with the next bytes of an upload and returns how many it wrote; 0 means
// the end. An error aborts the transfer with that error.
using ByteSource = std::function<oci::Result<std::size_t>(std::span<std::byte>)>;

}  // namespace client
