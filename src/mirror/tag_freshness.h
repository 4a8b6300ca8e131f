// When each cached tag was last checked against its upstream: a tag younger than its
// upstream's TTL is served without asking. Kept in memory only, so after a restart every tag
// is checked once (and served from the cache when the upstream does not answer).
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace mirror {

class TagFreshness {
 public:
  using Clock = std::chrono::steady_clock;

  // Past `capacity` tags the oldest checks are forgotten (they are checked again).
  explicit TagFreshness(std::size_t capacity = 100'000) : capacity_(capacity) {}

  bool fresh(std::string_view repository, std::string_view tag, std::chrono::seconds ttl,
             Clock::time_point now = Clock::now()) const;
  void checked(std::string_view repository, std::string_view tag,
               Clock::time_point now = Clock::now());

 private:
  static std::string key(std::string_view repository, std::string_view tag);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::map<std::string, Clock::time_point, std::less<>> checked_;
};

}  // namespace mirror
