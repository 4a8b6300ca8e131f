// registries.conf as runtime-utils' EditRegistriesConfig edits the node's base file: the
// digest-mirrored sources (sorted), then the tag-mirrored ones (sorted), each appended or
// merged into an existing entry; then an entry for each new blocked scope, then each new
// insecure scope, in the order given; insecure and blocked flags applied to nested entries
// (and insecure to nested mirrors); last, entries nested in a mirrored source without mirrors
// inherit its mirrors.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "nodeconf/registries_conf_writer.h"
#include "oci/error.h"
#include "openshift/mirror_rules.h"

namespace openshift {

struct RegistryScopes {
  std::vector<std::string> insecure;
  std::vector<std::string> blocked;
};

// `legacy_icsp` writes digest mirrors the pre-4.13 way: `mirror-by-digest-only = true` on the
// entry and plain mirrors; a source with both digest and tag mirrors is then an error.
oci::Result<nodeconf::RegistriesConfDocument> build_registries_conf(
    nodeconf::RegistriesConfDocument base, const std::map<std::string, SourceMirrors>& mirrors,
    const RegistryScopes& scopes, bool legacy_icsp);

}  // namespace openshift
