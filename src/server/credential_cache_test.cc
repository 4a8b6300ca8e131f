#include "server/credential_cache.h"

#include <gtest/gtest.h>

namespace server {
namespace {

TEST(CredentialCache, FindsUntilExpiry) {
  CredentialCache cache(8);
  cache.insert("token", {"alice", nullptr, 100});
  ASSERT_TRUE(cache.find("token", 99));
  EXPECT_EQ(cache.find("token", 99)->user, "alice");
  EXPECT_FALSE(cache.find("token", 100));
  EXPECT_FALSE(cache.find("other", 0));
}

TEST(CredentialCache, StaysWithinItsCapacity) {
  CredentialCache cache(3);
  for (int i = 0; i < 3; ++i) cache.insert("k" + std::to_string(i), {"u", nullptr, 100});
  cache.insert("k3", {"u", nullptr, 100});  // full: starts over
  EXPECT_FALSE(cache.find("k0", 0));
  EXPECT_TRUE(cache.find("k3", 0));
}

TEST(CredentialCache, ClearForgetsEverything) {
  CredentialCache cache(3);
  cache.insert("k", {"u", nullptr, 100});
  cache.clear();
  EXPECT_FALSE(cache.find("k", 0));
}

}  // namespace
}  // namespace server
