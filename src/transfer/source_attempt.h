// One try of one pull source for one piece of an image, as a value: which source was asked
// (and whether it is a mirror or the image's own registry), what it was asked for, and what
// came of it. FallbackStore (fallback_store.h) records one per try, pull_image (pull_image.h)
// returns them with the pull's result, `regmirror pull` reports from them, and the
// registry's pull-through mode keeps the same values for what it fetched upstream.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace transfer {

// A repository a pull may read from, e.g. "mirror.example.com/ns/app".
struct SourceRepository {
  std::string location;
  bool mirror = false;  // false: the image's own (primary) registry
};

struct SourceAttempt {
  enum class Piece { kManifest, kBlob, kReferrers, kTags };
  enum class Outcome {
    kServed,   // this source delivered the piece (the rest of it, after an earlier cut)
    kFailed,   // asked, and it failed: `error` says how
    kSkipped,  // never asked: `error` says why (blocked, a mirror not used for this reference)
  };

  SourceRepository source;
  Piece piece = Piece::kManifest;
  // What the source was asked for, in full: "mirror.example.com/ns/app:v1",
  // "mirror.example.com/ns/app@sha256:..." (for kTags: the repository).
  std::string reference;
  Outcome outcome = Outcome::kFailed;
  std::string error;
  // Blobs: the byte this source was asked to start from; a source that takes over from one
  // cut off part way starts where that one stopped.
  std::int64_t offset = 0;
  // What this source delivered: a manifest's body, a blob's bytes from `offset` (for a
  // failed blob, those before the failure).
  std::int64_t bytes = 0;
};

std::string_view piece_name(SourceAttempt::Piece piece);        // "manifest", "blob", ...
std::string_view outcome_name(SourceAttempt::Outcome outcome);  // "served", "failed", "skipped"

// One line for the user, e.g.
//   "mirror mirror.example.com/ns/app@sha256:...: blob failed after 100000 bytes: reset"
//   "primary quay.io/ns/app@sha256:...: blob served from byte 100000 (200000 bytes)"
//   "mirror mirror.example.com/ns/app:v1: skipped: the mirror serves digests only"
std::string describe(const SourceAttempt& attempt);

// The source of the last manifest served in `attempts` (the one just asked for); empty when
// none was.
SourceRepository last_manifest_source(const std::vector<SourceAttempt>& attempts);

}  // namespace transfer
