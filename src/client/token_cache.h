// Bearer tokens by realm, service and scope, until shortly before they expire. Thread-safe.
#pragma once

#include <chrono>
#include <compare>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace client {

struct TokenKey {
  std::string realm;
  std::string service;
  std::string scope;  // the request's scopes, space-separated in a fixed order

  auto operator<=>(const TokenKey&) const = default;
};

class TokenCache {
 public:
  using Clock = std::chrono::steady_clock;

  // The token for `key` when it stays valid past `now` plus a safety margin (a tenth of its
  // lifetime, at most 10 s) so that it does not expire in flight.
  std::optional<std::string> find(const TokenKey& key, Clock::time_point now) const;
  void store(const TokenKey& key, std::string token, std::chrono::seconds lifetime,
             Clock::time_point now);
  // Forgets `token` for `key` (the registry refused it); a newer token stays.
  void drop(const TokenKey& key, std::string_view token);

 private:
  struct Entry {
    std::string token;
    Clock::time_point refresh_at;
  };
  mutable std::mutex mutex_;
  std::map<TokenKey, Entry> entries_;
};

}  // namespace client
