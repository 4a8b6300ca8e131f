// The tag scheme cosign (and containers/image's sigstore attachments) gives to what belongs
// to a manifest: "sha256-<hex>.sig", ".att" or ".sbom", in the manifest's repository.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace oci {

// A tag of that scheme, read back.
struct AttachmentTag {
  std::string subject;  // the manifest it belongs to: "sha256:<hex>"
  std::string kind;     // "sig", "att" or "sbom"
};
// nullopt for any other tag.
std::optional<AttachmentTag> parse_attachment_tag(std::string_view tag);
// The tag of `kind` for `digest` ("sha256:<hex>" -> "sha256-<hex>.<kind>").
std::string attachment_tag(std::string_view digest, std::string_view kind);
inline constexpr std::string_view kAttachmentKinds[] = {"sig", "att", "sbom"};

}  // namespace oci
