#include "mirror/tag_freshness.h"

#include <algorithm>

namespace mirror {

std::string TagFreshness::key(std::string_view repository, std::string_view tag) {
  std::string key(repository);
  key += ':';
  key += tag;
  return key;
}

bool TagFreshness::fresh(std::string_view repository, std::string_view tag,
                         std::chrono::seconds ttl, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  const auto it = checked_.find(key(repository, tag));
  return it != checked_.end() && now - it->second < ttl;
}

void TagFreshness::checked(std::string_view repository, std::string_view tag,
                           Clock::time_point now) {
  std::lock_guard lock(mutex_);
  checked_.insert_or_assign(key(repository, tag), now);
  if (checked_.size() <= capacity_) return;
  const auto oldest = std::ranges::min_element(
      checked_, [](const auto& a, const auto& b) { return a.second < b.second; });
  checked_.erase(oldest);
}

}  // namespace mirror
