// A blob held in memory (a signature payload, an attachment's config) written to a store.
#pragma once

#include <string>

#include "oci/error.h"
#include "transfer/image_store.h"

namespace transfer {

// Uploads `bytes` as the blob `digest` (its text, "sha256:...") unless the destination has it.
oci::Result<void> put_small_blob(ImageStore& destination, const std::string& digest,
                                 const std::string& bytes);

}  // namespace transfer
