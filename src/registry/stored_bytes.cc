#include "registry/stored_bytes.h"

#include <algorithm>
#include <string>
#include <vector>

#include "registry/storage_errors.h"

namespace registry {

oci::Result<void> hash_stored_bytes(storage::Driver& driver, std::string_view path,
                                    std::uint64_t size,
                                    const std::function<void(std::span<const std::byte>)>& hash) {
  const auto lost = [size](std::uint64_t held) {
    return oci::fail(oci::ErrorCode::kBlobUploadInvalid,
                     "the stored upload holds " + std::to_string(held) + " of its " +
                         std::to_string(size) + " recorded bytes");
  };
  if (size == 0) return {};
  auto reader = driver.reader(path, 0);
  if (!reader && reader.error().code == sys::Errc::kNotFound) return lost(0);
  if (!reader) return storage_failure(reader.error());
  std::vector<std::byte> buffer(std::size_t{1} << 20);
  for (std::uint64_t left = size; left > 0;) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), left));
    auto n = (*reader)->read(std::span(buffer).first(want));
    if (!n) return storage_failure(n.error());
    if (*n == 0) return lost(size - left);
    hash(std::span<const std::byte>(buffer.data(), *n));
    left -= *n;
  }
  return {};
}

}  // namespace registry
