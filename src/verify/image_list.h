// The images `regmirror verify` checks: a list file (one reference per line; blank lines and
// "#" comments ignored) or the images of a sync.yaml. Each reference must name its registry
// host: a node resolves short names through search registries, verify does not guess. A name
// without a tag or digest is checked as "<name>:latest", the image a node pulls for it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"

namespace verify {

inline constexpr std::size_t kMaxImageListBytes = std::size_t{16} * 1024 * 1024;

// Errors name the line ("images.txt:3: ..."): an invalid reference, one without a host, one
// with both a tag and a digest. An empty list is an error too.
oci::Result<std::vector<std::string>> parse_image_list(std::string_view text,
                                                       std::string_view source_name);

}  // namespace verify
