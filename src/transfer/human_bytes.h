// Byte counts for people: "512 B", "41.2 MB", "1.1 GB" (decimal units, as podman prints).
#pragma once

#include <cstdint>
#include <string>

namespace transfer {

std::string human_bytes(std::int64_t bytes);

}  // namespace transfer
