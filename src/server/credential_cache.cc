#include "server/credential_cache.h"

namespace server {

std::optional<CheckedCredentials> CredentialCache::find(std::string_view key,
                                                        std::int64_t now) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires_at <= now) return std::nullopt;
  return it->second;
}

void CredentialCache::insert(std::string key, CheckedCredentials entry) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.insert_or_assign(std::move(key), std::move(entry));
}

void CredentialCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace server
