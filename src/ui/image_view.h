// GET /regmirror/v1/repositories/<repo>/manifests/<reference>: one manifest or index with its
// platforms (config and layers of each), referrers and cosign attachments (docs/api.md).
#pragma once

#include <string>
#include <string_view>

#include "registry/registry.h"
#include "ui/actions.h"

namespace ui {

// kNameInvalid (repository), kDigestInvalid or kManifestInvalid (reference) for a malformed
// request; kNameUnknown when the repository does not exist, kManifestUnknown when it does not
// hold the manifest.
oci::Result<std::string> image_view(registry::Registry& registry, std::string_view repository,
                                    std::string_view reference, Actions actions);

}  // namespace ui
