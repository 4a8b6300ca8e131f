// Claims of blobs against garbage collection (gc.h).
#include <thread>

#include "registry/paths.h"
#include "registry/registry.h"

namespace registry {
namespace {

using namespace std::chrono_literals;

// A run forgets each row right after removing its bytes, so a claim rarely waits; this bounds
// the wait for a run that stalls (longer than a dead run's lease lasts, gc.cc), and then the
// client is asked to try again.
constexpr auto kClaimPatience = 20s;
constexpr auto kClaimPoll = 50ms;
// Long enough to remove one blob's bytes and forget its row.
constexpr auto kFinishLease = 30s;

}  // namespace

std::string Registry::unique_holder() { return holder_ + "/" + std::to_string(++holders_); }

Result<void> Registry::claim_blob(const oci::Digest& digest, std::uint64_t size) {
  const auto deadline = std::chrono::steady_clock::now() + kClaimPatience;
  while (true) {
    auto claimed = store_.claim_blob(digest.str(), size);
    if (!claimed) return std::unexpected(claimed.error());
    if (*claimed) return {};
    // GC is deleting the blob. A running GC forgets the row in a moment; when none holds the
    // lease (one died midway), this claim finishes the deletion under the lease itself, so
    // that no run removes the bytes this caller is about to store again.
    const std::string holder = unique_holder();
    auto taken = store_.acquire_lease(kGcLease, holder, kFinishLease);
    if (!taken) return std::unexpected(taken.error());
    if (*taken) {
      auto finished = finish_deletion(digest);
      (void)store_.release_lease(kGcLease, holder);
      if (!finished) return finished;
      continue;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return oci::fail(oci::ErrorCode::kTooManyRequests,
                       "blob is being garbage collected; try again", digest.str());
    }
    std::this_thread::sleep_for(kClaimPoll);
  }
}

Result<void> Registry::finish_deletion(const oci::Digest& digest) {
  if (auto removed = driver_.remove(blob_path(digest)); !removed) {
    return storage_failure(removed.error());
  }
  manifest_cache_.erase(digest.str());
  return store_.forget_blob(digest.str());
}

}  // namespace registry
