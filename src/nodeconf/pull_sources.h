// The ordered list of places a reference is pulled from (containers/image's
// PullSourcesFromReference): the usable mirrors in file order, then the primary location.
// Each source carries its own endpoint's insecure flag and the reference rewritten for it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nodeconf/registries_conf.h"
#include "oci/error.h"
#include "oci/reference.h"

namespace nodeconf {

struct PullSource {
  Endpoint endpoint;
  bool mirror = false;
  oci::Reference reference;  // what is requested from this endpoint
};

// Whether one mirror serves a reference, and why, in words for the user.
struct MirrorDecision {
  Endpoint mirror;
  bool used = false;
  std::string reason;
};

// Mirror filtering: with mirror-by-digest-only the mirrors serve only references with a
// digest; otherwise each mirror's pull-from-mirror decides ("digest-only": references with
// a digest, "tag-only": references without one, which includes name-only references).
std::vector<MirrorDecision> decide_mirrors(const Registry& registry, const oci::Reference& ref);

// The matched prefix replaced by the endpoint's location; everything after it (path, tag,
// digest) kept. The result must be a valid, already normalized reference.
oci::Result<oci::Reference> rewrite_reference(const Endpoint& endpoint, const oci::Reference& ref,
                                              std::string_view prefix);

// Fails as a whole when any one source's rewritten reference is invalid, as upstream does.
oci::Result<std::vector<PullSource>> pull_sources(const Registry& registry,
                                                  const oci::Reference& ref);

}  // namespace nodeconf
