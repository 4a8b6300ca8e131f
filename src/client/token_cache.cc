#include "client/token_cache.h"

#include <algorithm>

namespace client {

std::optional<std::string> TokenCache::find(const TokenKey& key, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || now >= it->second.refresh_at) return std::nullopt;
  return it->second.token;
}

void TokenCache::store(const TokenKey& key, std::string token, std::chrono::seconds lifetime,
                       Clock::time_point now) {
  const auto margin =
      std::min<Clock::duration>(Clock::duration(lifetime) / 10, std::chrono::seconds(10));
  std::lock_guard lock(mutex_);
  entries_[key] = Entry{std::move(token), now + lifetime - margin};
}

void TokenCache::drop(const TokenKey& key, std::string_view token) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it != entries_.end() && it->second.token == token) entries_.erase(it);
}

}  // namespace client
