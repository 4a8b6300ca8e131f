// What both backends share about blob claims and the references a manifest needs: the clock
// rows are dated by and the errors a claim or a reference check answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "oci/error.h"

namespace metadata {

// Claims, links, manifests and tags are dated by this process's clock in seconds since the
// epoch (GC compares them with its own: replicas' clocks are assumed in sync within its grace).
inline std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A blob that no one may link or claim while GC deletes it: the client tries again later.
inline std::unexpected<oci::Error> being_collected(std::string_view digest) {
  return oci::fail(oci::ErrorCode::kTooManyRequests, "blob is being garbage collected; try again",
                   std::string(digest));
}

inline std::unexpected<oci::Error> missing_blob(std::string_view digest) {
  return oci::fail(oci::ErrorCode::kManifestBlobUnknown, "manifest references an unknown blob",
                   std::string(digest));
}

inline std::unexpected<oci::Error> missing_manifest(std::string_view digest) {
  // The spec wants MANIFEST_BLOB_UNKNOWN for any missing reference, manifests included.
  return oci::fail(oci::ErrorCode::kManifestBlobUnknown, "index references an unknown manifest",
                   std::string(digest));
}

}  // namespace metadata
