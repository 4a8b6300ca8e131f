#include "verify/image_list.h"

#include <fmt/format.h>

#include "oci/reference.h"

namespace verify {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

}  // namespace

oci::Result<std::vector<std::string>> parse_image_list(std::string_view text,
                                                       std::string_view source_name) {
  if (text.size() > kMaxImageListBytes) {
    return oci::fail(oci::ErrorCode::kSizeInvalid,
                     fmt::format("{}: larger than {} bytes", source_name, kMaxImageListBytes));
  }
  std::vector<std::string> images;
  int number = 0;
  while (!text.empty()) {
    ++number;
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (const auto hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = trim(line);
    if (line.empty()) continue;
    const auto error = [&](std::string_view why) {
      return oci::fail(oci::ErrorCode::kNameInvalid,
                       fmt::format("{}:{}: {}: {}", source_name, number, line, why));
    };
    if (line.find_first_of(" \t") != std::string_view::npos) {
      return error("one image reference per line");
    }
    auto reference = oci::Reference::parse(line);
    if (!reference) return error(reference.error().message);
    if (reference->domain().empty()) return error("no registry host in the reference");
    if (reference->has_tag() && reference->has_digest()) {
      return error("a tag and a digest: a node drops the tag, name one of them");
    }
    // A name alone is pulled as ":latest" (the kubelet and CRI-O add it).
    images.push_back(reference->with_default_tag().str());
  }
  if (images.empty()) {
    return oci::fail(oci::ErrorCode::kNameInvalid, fmt::format("{}: no images", source_name));
  }
  return images;
}

}  // namespace verify
