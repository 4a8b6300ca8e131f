// The streaming half of fan_out_blob.h: one read of a blob's bytes, passed to several
// destinations at once, each writing from its own offset through its own bounded pipe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "oci/error.h"
#include "oci/manifest.h"
#include "transfer/image_store.h"
#include "transfer/progress.h"

namespace transfer {

// One destination to feed: it writes the blob from `start` (what its resume_offset said).
struct BlobFeed {
  ImageStore* destination = nullptr;
  std::int64_t start = 0;
  // Set by stream_blob: the destination's write, or the source's error when the bytes could
  // not be read or failed verification.
  std::optional<oci::Result<void>> result;
};

// Reads `blob` from `source` once, from the lowest start among `feeds`, while every feed's
// destination writes its part on a thread of its own. The size is checked, and the digest
// when the read starts at 0 (a destination resuming verifies the bytes it kept itself); a
// mismatch or a read error reaches every destination as its source's error, so none
// commits. A cut read continues from the byte it reached while each attempt gets further.
void stream_blob(ImageStore& source, std::vector<BlobFeed>& feeds, const oci::Descriptor& blob,
                 Progress& progress);

}  // namespace transfer
