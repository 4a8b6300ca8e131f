#include "cli/transfer_summary.h"

#include <fmt/format.h>

#include "transfer/human_bytes.h"

namespace cli {

std::string stats_text(const transfer::CopyStats& stats) {
  return fmt::format("{} blobs copied, {} skipped, {} mounted, {}", stats.blobs_copied,
                     stats.blobs_skipped, stats.blobs_mounted,
                     transfer::human_bytes(stats.bytes_copied));
}

}  // namespace cli
