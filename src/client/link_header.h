// RFC 8288 (5988) Link headers, as registries paginate tag and catalog listings with them:
//   Link: </v2/app/tags/list?n=100&last=v1.9>; rel="next"
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace client {

// The target of the link whose rel includes "next"; nullopt when there is none. Several
// links may be given comma-separated.
std::optional<std::string> next_link(std::string_view header);

}  // namespace client
