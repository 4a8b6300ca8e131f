#include "registry/manifest_cache.h"

namespace registry {

std::shared_ptr<const std::string> ManifestCache::get(const std::string& digest) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(digest);
  if (it == index_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

void ManifestCache::put(const std::string& digest, std::shared_ptr<const std::string> bytes) {
  if (bytes->size() > capacity_) return;
  std::lock_guard lock(mutex_);
  if (index_.contains(digest)) return;
  used_ += bytes->size();
  order_.emplace_front(digest, std::move(bytes));
  index_.emplace(digest, order_.begin());
  while (used_ > capacity_) {
    auto& last = order_.back();
    used_ -= last.second->size();
    index_.erase(last.first);
    order_.pop_back();
  }
}

void ManifestCache::erase(const std::string& digest) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(digest);
  if (it == index_.end()) return;
  used_ -= it->second->second->size();
  order_.erase(it->second);
  index_.erase(it);
}

}  // namespace registry
