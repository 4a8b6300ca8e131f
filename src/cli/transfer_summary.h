// One readable line for what a copy moved: "3 blobs copied, 2 skipped, 1 mounted, 41.2 MB".
#pragma once

#include <string>

#include "transfer/copy_image.h"

namespace cli {

std::string stats_text(const transfer::CopyStats& stats);

}  // namespace cli
