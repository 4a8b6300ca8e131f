#include "ui/manifest_reader.h"

#include <gtest/gtest.h>

#include "ui/test_registry.h"

namespace ui {
namespace {

// A view reads manifests and configs up to its byte budget: past it manifests are refused and
// configs not read, so that no crafted index makes one request parse gigabytes.
TEST(ManifestReader, ReadsUpToItsByteBudget) {
  testing::TestRegistry registry;
  const auto image = registry.image("app", "1.0", "amd64", "layer");
  ManifestReader reader(*registry, "app", image.size * 3);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(reader.manifest(image.digest)) << i;
    reader.forget_manifests();  // read again, counted again
  }
  const auto refused = reader.manifest(image.digest);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, oci::ErrorCode::kSizeInvalid);

  ManifestReader configs(*registry, "app", image.size);
  const auto manifest = configs.manifest(image.digest);
  ASSERT_TRUE(manifest);
  const oci::Descriptor config = *(*manifest)->parsed.config;
  EXPECT_TRUE(configs.config(config).json.is_object());  // the budget is reached, not passed
  const LoadedConfig unread = configs.config(config);
  EXPECT_TRUE(unread.json.is_null());
  EXPECT_FALSE(unread.error.empty());
}

TEST(ManifestReader, FollowsUpToItsDescriptorBudget) {
  testing::TestRegistry registry;
  ManifestReader reader(*registry, "app");
  EXPECT_TRUE(reader.follow(kMaxViewDescriptors));
  const auto refused = reader.follow(1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, oci::ErrorCode::kSizeInvalid);
}

}  // namespace
}  // namespace ui
