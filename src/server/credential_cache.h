// Credentials checked recently, so that a client sending the same token or password on every
// request pays for a signature check or a bcrypt hash once, not per request. Thread-safe and
// bounded: when full it starts over, so hostile clients inventing credentials cost memory
// up to the bound only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/jwt.h"

namespace server {

struct CheckedCredentials {
  std::string user;
  std::shared_ptr<const auth::Claims> claims;  // for tokens
  std::int64_t expires_at = 0;                 // seconds since the epoch
};

class CredentialCache {
 public:
  explicit CredentialCache(std::size_t capacity) : capacity_(capacity) {}

  // The entry for `key` unless it expired by `now`.
  std::optional<CheckedCredentials> find(std::string_view key, std::int64_t now) const;
  void insert(std::string key, CheckedCredentials entry);
  void clear();

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, CheckedCredentials, Hash, std::equal_to<>> entries_;
};

}  // namespace server
