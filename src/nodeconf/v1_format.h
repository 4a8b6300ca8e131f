// The version-1 registries.conf format ([registries.search], [registries.insecure],
// [registries.block]): detected, refused when mixed with v2 keys, converted to v2 entries.
// Follows current containers/image: a v1 list counts as present even when empty.
#pragma once

#include <string>

#include "nodeconf/config_file_decoder.h"
#include "oci/error.h"

namespace nodeconf {

bool has_v1_tables(const DecodedConfigFile& file);
bool has_v2_keys(const DecodedConfigFile& file);

// "mixing sysregistry v1/v2 is not supported: ..." naming the keys of both kinds.
std::string mixing_v1_v2_error(const DecodedConfigFile& file);

// Replaces the v1 tables by the v2 equivalent: one [[registry]] per listed location
// (prefix = location; blocked, insecure set), search list -> unqualified-search-registries.
oci::Result<void> convert_v1_to_v2(DecodedConfigFile& file);

}  // namespace nodeconf
