#include "transfer/blob_homes.h"

namespace transfer {

void BlobHomes::record(const std::string& scope, const oci::Digest& digest,
                       std::string repository) {
  std::lock_guard lock(mutex_);
  homes_.insert_or_assign(scope + " " + digest.str(), std::move(repository));
}

std::optional<std::string> BlobHomes::find(const std::string& scope,
                                           const oci::Digest& digest) const {
  std::lock_guard lock(mutex_);
  const auto it = homes_.find(scope + " " + digest.str());
  if (it == homes_.end()) return std::nullopt;
  return it->second;
}

}  // namespace transfer
