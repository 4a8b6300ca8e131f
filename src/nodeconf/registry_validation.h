// containers/image's postProcessRegistries: normalizes [[registry]] entries and
// unqualified-search-registries of one file and refuses inconsistent ones, with its error
// texts, in its order.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nodeconf/registries_conf.h"
#include "oci/error.h"

namespace nodeconf {

// Trailing '/' trimmed; "http://" and "https://" refused.
oci::Result<std::string> parse_location(std::string_view input);

// On success: locations trimmed (mirrors too, as current upstream does), empty prefixes
// set to the location, one entry per prefix (the first one in the file) sorted by prefix,
// search registries trimmed and checked to be host[:port].
oci::Result<void> validate_registries(std::vector<Registry>& registries,
                                      std::optional<std::vector<std::string>>& search_registries);

// A "*.example.com" prefix must not carry '/', ':' or '@'.
oci::Result<void> validate_wildcard_prefixes(const std::vector<Registry>& registries);

}  // namespace nodeconf
