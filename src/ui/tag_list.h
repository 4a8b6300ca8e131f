// GET /regmirror/v1/repositories/<repo>/tags: every tag of a repository with what it points
// at (digest, media type, artifact type, platforms, compressed size), docs/api.md.
#pragma once

#include <string>
#include <string_view>

#include "registry/registry.h"
#include "ui/actions.h"

namespace ui {

// {"name","actions","tags":[...]}, tags in byte order; kNameUnknown when the repository does
// not exist. Computed per request: each distinct manifest is read once, with the config of
// each image (its platform) and the child manifests of each index (sizes, platforms).
oci::Result<std::string> tag_list(registry::Registry& registry, std::string_view repository,
                                  Actions actions);

}  // namespace ui
