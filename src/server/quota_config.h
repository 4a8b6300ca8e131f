// The `quotas:` section of the server's configuration (docs/quotas.md): a byte limit per
// namespace, counted on the unique blobs and manifests its repositories hold.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"

namespace YAML {
class Node;
}

namespace server {

struct QuotaRule {
  std::string pattern;  // as configured: `team-a/**`, `**` or `team-a/app`
  // The namespace: the repository named `prefix` and, with `subtree`, every one under
  // `prefix/` (metadata::Store::namespace_bytes). `**` is "" with subtree.
  std::string prefix;
  bool subtree = false;
  std::uint64_t limit = 0;  // bytes

  bool covers(std::string_view repository) const;
};

// The largest limit taken: what the databases' signed 64-bit sizes hold.
inline constexpr std::uint64_t kMaxQuotaBytes = std::uint64_t{1} << 62;

// A whole number of bytes, optionally followed by a unit: B, kB/KB, MB, GB, TB (powers of
// 1000) or KiB, MiB, GiB, TiB (powers of 1024): "10GiB", "500MB", "1048576".
oci::Result<std::uint64_t> parse_byte_size(std::string_view text);

// A pattern of `repositories`: a literal name (no `*`), optionally ending in `/**`, or `**`.
oci::Result<QuotaRule> parse_quota_pattern(std::string_view text);

// The list under `quotas`: [{repositories, limit}]. Errors name the key (`quotas[1].limit`);
// a namespace given twice is an error.
oci::Result<void> read_quotas(const YAML::Node& node, const std::string& key,
                              std::vector<QuotaRule>& out);

}  // namespace server
