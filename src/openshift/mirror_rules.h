// The digest and tag mirror pools as the machine-config operator builds them: entries
// validated, grouped by source, their mirror lists merged, the source policy settled.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "oci/error.h"
#include "openshift/cluster_objects.h"

namespace openshift {

struct SourceMirrors {
  std::vector<std::string> digest_mirrors;
  std::vector<std::string> tag_mirrors;
  bool never_contact_source = false;
};

// Keyed by source, so iteration is in sorted order. Errors: an invalid source or mirror
// reference, conflicting mirrorSourcePolicy for one source, NeverContactSource with a
// mirror equal to its source.
oci::Result<std::map<std::string, SourceMirrors>> collect_mirrors(
    const std::vector<MirrorSet>& digest_sets, const std::vector<MirrorSet>& tag_sets);

}  // namespace openshift
