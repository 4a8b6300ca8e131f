// Repository names and tags as the distribution-spec's regular expressions define them.
// Checked before any storage path or SQL key is built from them.
#pragma once

#include <string_view>

namespace oci {

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*, at most 255 chars.
bool is_valid_repository_name(std::string_view name);

// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
bool is_valid_tag(std::string_view tag);

}  // namespace oci
