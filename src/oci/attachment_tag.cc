#include "oci/attachment_tag.h"

#include <algorithm>

#include "oci/digest.h"

namespace oci {

std::optional<AttachmentTag> parse_attachment_tag(std::string_view tag) {
  const auto dot = tag.rfind('.');
  const auto dash = tag.find('-');
  if (dot == std::string_view::npos || dash == std::string_view::npos || dash > dot) {
    return std::nullopt;
  }
  const std::string_view kind = tag.substr(dot + 1);
  if (std::ranges::find(kAttachmentKinds, kind) == std::end(kAttachmentKinds)) return std::nullopt;
  std::string subject(tag.substr(0, dot));
  subject[dash] = ':';
  if (!Digest::is_valid(subject)) return std::nullopt;
  return AttachmentTag{std::move(subject), std::string(kind)};
}

std::string attachment_tag(std::string_view digest, std::string_view kind) {
  std::string tag(digest);
  std::ranges::replace(tag, ':', '-');
  tag.append(".").append(kind);
  return tag;
}

}  // namespace oci
