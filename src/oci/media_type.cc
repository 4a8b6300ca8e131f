#include "oci/media_type.h"

namespace oci::media_type {
namespace {

constexpr std::string_view kWhitespace = " \t";

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

}  // namespace

std::string_view essence(std::string_view media_type) {
  return trim(media_type.substr(0, media_type.find(';')));
}

std::optional<ManifestKind> manifest_kind(std::string_view media_type) {
  const std::string_view type = essence(media_type);
  if (type == kOciManifest || type == kDockerManifest) return ManifestKind::kImage;
  if (type == kOciIndex || type == kDockerManifestList) return ManifestKind::kIndex;
  return std::nullopt;
}

}  // namespace oci::media_type
