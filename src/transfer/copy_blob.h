// Moves one blob between two stores: skipped when the destination has it, mounted when the
// destination can, else streamed (resuming what an interrupted write left) through a bounded
// pipe while it is counted and hashed, so a wrong byte fails the write before it commits.
#pragma once

#include <cstdint>
#include <string_view>

#include "oci/error.h"
#include "oci/manifest.h"
#include "transfer/image_store.h"
#include "transfer/progress.h"

namespace transfer {

struct BlobMove {
  BlobOutcome outcome = BlobOutcome::kCopied;
  std::int64_t bytes = 0;  // sent to the destination
};

// Thread-safe; concurrent calls for the same blob and destination take turns (the second
// finds the blob present). `image` labels the progress events.
oci::Result<BlobMove> copy_blob(ImageStore& source, ImageStore& destination,
                                const oci::Descriptor& blob, std::string_view image,
                                Progress& progress);

}  // namespace transfer
