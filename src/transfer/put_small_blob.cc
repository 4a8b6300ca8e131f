#include "transfer/put_small_blob.h"

#include <algorithm>
#include <cstring>
#include <span>

namespace transfer {

oci::Result<void> put_small_blob(ImageStore& destination, const std::string& digest,
                                 const std::string& bytes) {
  auto parsed = oci::Digest::parse(digest);
  if (!parsed) return std::unexpected(parsed.error());
  const oci::Descriptor blob{.media_type = "application/octet-stream",
                             .digest = *parsed,
                             .size = static_cast<std::int64_t>(bytes.size()),
                             .urls = {},
                             .artifact_type = {},
                             .annotations = nullptr};
  auto present = destination.has_blob(blob);
  if (!present) return std::unexpected(present.error());
  if (*present) return {};
  std::size_t sent = 0;
  return destination.write_blob(
      blob, 0, [&](std::span<std::byte> buffer) -> oci::Result<std::size_t> {
        const std::size_t n = std::min(buffer.size(), bytes.size() - sent);
        std::memcpy(buffer.data(), bytes.data() + sent, n);
        sent += n;
        return n;
      });
}

}  // namespace transfer
