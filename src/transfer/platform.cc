#include "transfer/platform.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <vector>

namespace transfer {
namespace {

// containers/image treats arm64 without a variant and arm64/v8 as the same platform.
Platform normalized(Platform platform) {
  if (platform.architecture == "arm64" && platform.variant == "v8") platform.variant.clear();
  return platform;
}

std::string string_member(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

oci::Result<Platform> Platform::parse(std::string_view text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  const bool empty_part =
      std::ranges::any_of(parts, [](const std::string& part) { return part.empty(); });
  if (parts.size() < 2 || parts.size() > 3 || empty_part) {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     std::string("invalid platform \"")
                         .append(text)
                         .append("\": expected OS/ARCHITECTURE[/VARIANT], e.g. linux/arm64/v8"));
  }
  return Platform{parts[0], parts[1], parts.size() == 3 ? parts[2] : std::string()};
}

std::string to_string(const Platform& platform) {
  std::string text = platform.os + "/" + platform.architecture;
  if (!platform.variant.empty()) text.append("/").append(platform.variant);
  return text;
}

oci::Result<oci::Descriptor> select_platform(std::string_view index_body,
                                             const oci::Manifest& index, const Platform& wanted) {
  const auto document = nlohmann::json::parse(index_body, nullptr, false);
  const nlohmann::json* entries =
      document.is_object() && document.contains("manifests") ? &document["manifests"] : nullptr;
  const Platform want = normalized(wanted);
  std::optional<std::size_t> variant_less;
  std::string available;
  for (std::size_t i = 0; i < index.manifests.size(); ++i) {
    const nlohmann::json* platform_json = nullptr;
    if (entries && entries->is_array() && i < entries->size() && (*entries)[i].is_object()) {
      const auto it = (*entries)[i].find("platform");
      if (it != (*entries)[i].end() && it->is_object()) platform_json = &*it;
    }
    if (!platform_json) continue;
    const Platform have = normalized(Platform{string_member(*platform_json, "os"),
                                              string_member(*platform_json, "architecture"),
                                              string_member(*platform_json, "variant")});
    if (!available.empty()) available.append(", ");
    available.append(to_string(have));
    if (have.os != want.os || have.architecture != want.architecture) continue;
    if (have.variant == want.variant) return index.manifests[i];
    if (have.variant.empty() && !variant_less) variant_less = i;
  }
  if (variant_less) return index.manifests[*variant_less];
  return oci::fail(oci::ErrorCode::kManifestUnknown,
                   "no image for platform " + to_string(wanted) + " in the index (available: " +
                       (available.empty() ? std::string("none") : available) + ")");
}

}  // namespace transfer
