// Moves one blob from one source to several destinations with a single read. Each destination
// is checked first: one that has the blob is skipped, one that can mount it (from the source
// in the same registry, or from another repository of its registry that the run already put
// the blob in: blob_homes.h) mounts it. The others are fed: each through its own bounded pipe
// (blob_pipe.h), drained by its own writer thread, while the calling thread reads the source
// once, counting and hashing. Memory stays at one pipe's capacity per destination; a slow
// destination holds the reader back only once its pipe is full. A destination that fails
// drops out and the others go on; a source that fails, or bytes that do not match the
// descriptor, fail every fed destination before it commits. A destination resuming an
// interrupted write gets only the bytes after its offset (and the whole blob again when what
// it kept turns out wrong).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "oci/error.h"
#include "oci/manifest.h"
#include "transfer/blob_homes.h"
#include "transfer/image_store.h"
#include "transfer/progress.h"

namespace transfer {

struct BlobMove {
  BlobOutcome outcome = BlobOutcome::kCopied;
  std::int64_t bytes = 0;  // sent to the destination
};

// results[i] is destinations[i]'s. Thread-safe; concurrent calls for the same blob and
// registry (for other stores: the same destination) take turns (inflight_blobs.h): the later
// one finds the blob present, or with `homes` (may be null) mounts it from the repository
// the earlier one put it in. `image` labels the progress events.
std::vector<oci::Result<BlobMove>> fan_out_blob(ImageStore& source,
                                                std::span<ImageStore* const> destinations,
                                                const oci::Descriptor& blob, std::string_view image,
                                                Progress& progress, BlobHomes* homes = nullptr);

}  // namespace transfer
