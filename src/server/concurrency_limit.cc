#include "server/concurrency_limit.h"

#include <utility>

namespace server {

ConcurrencyLimit::ConcurrencyLimit(std::size_t per_key, std::size_t total)
    : per_key_(per_key), total_(total) {}

ConcurrencyLimit::Slot::Slot(ConcurrencyLimit& owner, std::string key)
    : owner_(&owner), key_(std::move(key)) {}

ConcurrencyLimit::Slot::Slot(Slot&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), key_(std::move(other.key_)) {}

ConcurrencyLimit::Slot::~Slot() {
  if (owner_ != nullptr) owner_->release(key_);
}

std::optional<ConcurrencyLimit::Slot> ConcurrencyLimit::try_acquire(std::string_view key) {
  std::string owned(key);
  std::lock_guard lock(mutex_);
  if (total_ != 0 && in_use_ >= total_) return std::nullopt;
  std::size_t& mine = per_key_in_use_[owned];
  if (per_key_ != 0 && mine >= per_key_) return std::nullopt;  // mine > 0: the entry stays
  ++mine;
  ++in_use_;
  return Slot(*this, std::move(owned));
}

void ConcurrencyLimit::release(const std::string& key) {
  std::lock_guard lock(mutex_);
  --in_use_;
  auto it = per_key_in_use_.find(key);
  if (--it->second == 0) per_key_in_use_.erase(it);
}

std::size_t ConcurrencyLimit::in_use() {
  std::lock_guard lock(mutex_);
  return in_use_;
}

std::size_t ConcurrencyLimit::in_use(std::string_view key) {
  std::lock_guard lock(mutex_);
  auto it = per_key_in_use_.find(std::string(key));
  return it == per_key_in_use_.end() ? 0 : it->second;
}

}  // namespace server
