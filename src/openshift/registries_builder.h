// registries.conf as runtime-utils' EditRegistriesConfig edits the node's base file: one
// [[registry]] per mirrored source (sorted), then insecure and blocked scopes applied to
// their entries, nested entries and nested mirrors.
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
