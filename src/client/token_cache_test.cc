#include "client/token_cache.h"

#include <gtest/gtest.h>

namespace client {
namespace {

using namespace std::chrono_literals;

TEST(TokenCache, KeyedByRealmServiceAndScope) {
  TokenCache cache;
  const auto now = TokenCache::Clock::now();
  const TokenKey a{"https://auth/token", "reg", "repository:a:pull"};
  const TokenKey b{"https://auth/token", "reg", "repository:b:pull"};
  cache.store(a, "ta", 300s, now);
  EXPECT_EQ(cache.find(a, now), "ta");
  EXPECT_EQ(cache.find(b, now), std::nullopt);
  EXPECT_EQ(cache.find(TokenKey{"https://other/token", "reg", a.scope}, now), std::nullopt);
}

TEST(TokenCache, ExpiresBeforeTheTokenDoes) {
  TokenCache cache;
  const auto now = TokenCache::Clock::now();
  const TokenKey key{"r", "s", "x"};
  cache.store(key, "t", 300s, now);
  EXPECT_EQ(cache.find(key, now + 289s), "t");
  EXPECT_EQ(cache.find(key, now + 290s), std::nullopt);  // 10 s margin
  cache.store(key, "short", 2s, now);
  EXPECT_EQ(cache.find(key, now + 1s), "short");
  EXPECT_EQ(cache.find(key, now + 1900ms), std::nullopt);
}

TEST(TokenCache, DropOnlyTheRefusedToken) {
  TokenCache cache;
  const auto now = TokenCache::Clock::now();
  const TokenKey key{"r", "s", "x"};
  cache.store(key, "new", 60s, now);
  cache.drop(key, "old");
  EXPECT_EQ(cache.find(key, now), "new");
  cache.drop(key, "new");
  EXPECT_EQ(cache.find(key, now), std::nullopt);
}

}  // namespace
}  // namespace client
