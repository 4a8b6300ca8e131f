#include "sync/guarded_store.h"

#include <gtest/gtest.h>

#include <array>

#include "sync/sync_test_store.h"

namespace imagesync {
namespace {

using testing::MemoryRegistry;

oci::Descriptor blob_of(const std::string& bytes) {
  return oci::Descriptor{.media_type = "application/octet-stream",
                         .digest = oci::digest_of(bytes),
                         .size = static_cast<std::int64_t>(bytes.size())};
}

TEST(GuardedStore, OnceDownEveryCallFailsWithoutAskingTheRegistry) {
  MemoryRegistry registry;
  registry.down = true;
  DestinationHealth health;
  transfer::NoProgress progress;
  GuardedStore store(registry.open("app"), health, "eu.example.com", progress);
  const oci::Descriptor blob = blob_of("bytes");
  EXPECT_FALSE(store.has_blob(blob));
  EXPECT_FALSE(store.has_manifest(blob.digest));
  EXPECT_TRUE(health.down());
  const int asked = registry.requests;
  auto refused = store.has_blob(blob);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("eu.example.com: destination down"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(registry.requests, asked);
}

TEST(GuardedStore, AWriteThatFailedForItsSourceSaysNothingAboutTheDestination) {
  MemoryRegistry registry;
  DestinationHealth health;
  transfer::NoProgress progress;
  GuardedStore store(registry.open("app"), health, "eu.example.com", progress);
  const client::ByteSource broken = [](std::span<std::byte>) -> oci::Result<std::size_t> {
    return oci::fail(oci::ErrorCode::kInternal, "the source reset the connection");
  };
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(store.write_blob(blob_of("bytes"), 0, broken));
  EXPECT_FALSE(health.down());
}

}  // namespace
}  // namespace imagesync
