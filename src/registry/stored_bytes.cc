#include "registry/stored_bytes.h"

#include <vector>

namespace registry {

oci::Result<std::uint64_t> hash_stored_bytes(storage::Driver& driver, std::string_view path,
                                             oci::DigestHasher& hasher) {
  auto reader = driver.reader(path, 0);
  if (!reader) {
    if (reader.error().code != oci::ErrorCode::kNotFound) return std::unexpected(reader.error());
    return 0;  // nothing received yet
  }
  std::vector<std::byte> buffer(std::size_t{1} << 20);
  std::uint64_t size = 0;
  for (;;) {
    auto n = (*reader)->read(buffer);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return size;
    hasher.update(std::span<const std::byte>(buffer.data(), *n));
    size += *n;
  }
}

}  // namespace registry
