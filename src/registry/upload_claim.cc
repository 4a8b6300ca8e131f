#include "registry/upload_claim.h"

#include <utility>

namespace registry {
namespace {

oci::Result<void> taken_elsewhere(std::string_view upload_id) {
  return oci::fail(oci::ErrorCode::kBlobUploadInvalid, "upload is being written by another request",
                   std::string(upload_id));
}

}  // namespace

UploadClaim::UploadClaim(metadata::Store& store, std::string holder, std::string name)
    : store_(&store),
      holder_(std::move(holder)),
      name_(std::move(name)),
      renewed_(std::chrono::steady_clock::now()) {}

oci::Result<UploadClaim> UploadClaim::take(metadata::Store& store, std::string_view holder,
                                           std::string_view upload_id) {
  std::string name = "upload/" + std::string(upload_id);
  auto held = store.acquire_lease(name, holder, kTtl);
  if (!held) return std::unexpected(std::move(held.error()));
  if (!*held) return std::unexpected(taken_elsewhere(upload_id).error());
  return UploadClaim(store, std::string(holder), std::move(name));
}

UploadClaim::UploadClaim(UploadClaim&& other) noexcept
    : store_(other.store_),
      holder_(std::move(other.holder_)),
      name_(std::exchange(other.name_, "")),
      renewed_(other.renewed_) {}

UploadClaim::~UploadClaim() {
  if (!name_.empty()) (void)store_->release_lease(name_, holder_);
}

oci::Result<void> UploadClaim::keep() {
  const auto now = std::chrono::steady_clock::now();
  if (now - renewed_ < kRenewEvery) return {};
  auto held = store_->acquire_lease(name_, holder_, kTtl);
  if (!held) return std::unexpected(std::move(held.error()));
  if (!*held) return taken_elsewhere(name_.substr(name_.find('/') + 1));
  renewed_ = now;
  return {};
}

}  // namespace registry
