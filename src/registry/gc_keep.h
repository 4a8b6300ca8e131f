// Which manifests of one repository garbage collection removes: the pure part of its pass,
// given what the store holds for the repository (metadata::GcManifest).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metadata/store.h"

namespace registry {

struct KeepRules {
  // Untagged manifests are garbage; false keeps every manifest.
  bool untagged_are_garbage = true;
  // Manifests pushed at or after this time (unix seconds) are kept: the grace of a push whose
  // tag or parent index is still on its way.
  std::int64_t pushed_cutoff = 0;
};

// The digests to remove, sorted: every manifest outside the closure of the kept ones. Kept
// are tagged manifests and those within the grace, then, until nothing changes, the children
// of a kept index, the referrers of a kept manifest (its signatures and SBOMs), and the
// subject of a kept referrer.
std::vector<std::string> removable_manifests(const std::vector<metadata::GcManifest>& manifests,
                                             const KeepRules& rules);

}  // namespace registry
