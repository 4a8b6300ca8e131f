// Where the registry keeps bytes in storage::Driver. Digests and upload ids are validated
// before they reach these functions.
#pragma once

#include <string>
#include <string_view>

#include "oci/digest.h"

namespace registry {

// blobs/sha256/ab/abcdef... (two-character fan-out, as distribution does)
inline std::string blob_path(const oci::Digest& digest) {
  std::string path = "blobs/";
  path += digest.algorithm_name();
  path += '/';
  path += digest.hex().substr(0, 2);
  path += '/';
  path += digest.hex();
  return path;
}

inline std::string upload_path(std::string_view id) { return "uploads/" + std::string(id); }

}  // namespace registry
