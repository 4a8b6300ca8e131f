// [aliases] validation as containers/image's newShortNameAliasCache does it: the key must be
// a short name without tag or digest, the value a registry-qualified repository.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "nodeconf/registries_conf.h"
#include "oci/error.h"

namespace nodeconf {

// Every malformed entry is reported, one per line, so that a user fixes them all at once.
oci::Result<AliasTable> validate_aliases(const std::map<std::string, std::string>& aliases,
                                         std::string_view origin);

}  // namespace nodeconf
