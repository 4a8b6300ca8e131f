// Which [[registry]] entry a reference belongs to (containers/image's refMatchingPrefix and
// FindRegistry).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "nodeconf/registries_conf.h"

namespace nodeconf {

// Length of `ref` covered by `prefix`, or nullopt when it does not match. A prefix matches
// up to a '/', ':' or '@' boundary (so "example.com" also matches "example.com:5000/x").
// "*.example.com" matches any subdomain, looking only at the first ".example.com" in `ref`,
// and covers everything up to the end of that host.
std::optional<std::size_t> match_prefix(std::string_view ref, std::string_view prefix);

// The entry with the longest matching prefix string ("*." included); on a tie the first in
// `registries` order wins. `name` is the repository name (no tag or digest).
const Registry* find_registry(const std::vector<Registry>& registries, std::string_view name);

}  // namespace nodeconf
