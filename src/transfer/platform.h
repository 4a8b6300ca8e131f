// Picking one platform's manifest out of an index, as containers/image does when a copy is
// not --all: an exact os/architecture/variant match first, else the variant-less entry.
#pragma once

#include <string>
#include <string_view>

#include "oci/error.h"
#include "oci/manifest.h"
#include "transfer/copy_image.h"

namespace transfer {

// "linux/arm64/v8"
std::string to_string(const Platform& platform);

// The descriptor in `index` (parsed from `index_body`) whose platform matches `wanted`.
// kManifestUnknown naming the platforms available when none does.
oci::Result<oci::Descriptor> select_platform(std::string_view index_body,
                                             const oci::Manifest& index, const Platform& wanted);

}  // namespace transfer
