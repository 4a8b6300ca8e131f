#include "ui/tag_list.h"

#include <gtest/gtest.h>

#include "ui/image_view.h"
#include "ui/test_registry.h"

namespace ui {
namespace {

using nlohmann::json;

json tags_of(registry::Registry& registry, std::string_view repository, Actions actions = {}) {
  auto text = tag_list(registry, repository, actions);
  EXPECT_TRUE(text) << (text ? "" : text.error().message);
  return text ? json::parse(*text) : json();
}

json child(const testing::Pushed& image, json platform) {
  json descriptor = testing::TestRegistry::descriptor(oci::media_type::kOciManifest, image);
  descriptor["platform"] = std::move(platform);
  return descriptor;
}

TEST(TagList, UnknownRepositoryIsNameUnknown) {
  testing::TestRegistry registry;
  auto text = tag_list(*registry, "nothing/here", {});
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, oci::ErrorCode::kNameUnknown);
  EXPECT_EQ(tag_list(*registry, "Bad..Name", {}).error().code, oci::ErrorCode::kNameInvalid);
}

TEST(TagList, DescribesImagesIndexesAndAttachments) {
  testing::TestRegistry registry;
  const auto amd64 = registry.image("app", "amd64", "amd64", "layer-a");
  const auto arm = registry.image("app", "arm", "arm64", "layer-b");
  const json index_body = {
      {"schemaVersion", 2},
      {"mediaType", oci::media_type::kOciIndex},
      {"manifests",
       {child(amd64, {{"os", "linux"}, {"architecture", "amd64"}}),
        child(arm, {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}}),
        child(amd64, {{"os", "unknown"}, {"architecture", "unknown"}})}}};
  const auto index = registry.manifest("app", "1.0", index_body);
  const auto empty = registry.blob("app", "{}");
  const auto sig_layer = registry.blob("app", "signature");
  const std::string sig_tag = "sha256-" + index.digest.substr(7) + ".sig";
  registry.manifest("app", sig_tag,
                    {{"schemaVersion", 2},
                     {"mediaType", oci::media_type::kOciManifest},
                     {"config", testing::TestRegistry::descriptor(
                                    "application/vnd.dev.cosign.sig.v1+json", empty)},
                     {"layers",
                      {testing::TestRegistry::descriptor(
                          "application/vnd.dev.cosign.simplesigning.v1+json", sig_layer)}}});

  const json view = tags_of(*registry, "app", {.pull = true, .push = true, .remove = true});
  EXPECT_EQ(view["name"], "app");
  EXPECT_EQ(view["actions"], json({{"pull", true}, {"push", true}, {"delete", true}}));
  const json& tags = view["tags"];
  ASSERT_EQ(tags.size(), 4u);
  EXPECT_EQ(tags[0]["name"], "1.0");  // byte order
  EXPECT_EQ(tags[1]["name"], "amd64");
  EXPECT_EQ(tags[2]["name"], "arm");
  EXPECT_EQ(tags[3]["name"], sig_tag);

  EXPECT_EQ(tags[0]["digest"], index.digest);
  EXPECT_EQ(tags[0]["media_type"], oci::media_type::kOciIndex);
  EXPECT_EQ(tags[0]["platforms"], json({"linux/amd64", "linux/arm64/v8"}));
  EXPECT_EQ(tags[0]["artifact_type"], "");
  EXPECT_TRUE(tags[0]["attached_to"].is_null());
  // The index, both images and their blobs, the amd64 image counted once.
  const std::uint64_t amd64_total = tags[1]["size"];
  const std::uint64_t arm_total = tags[2]["size"];
  EXPECT_EQ(tags[0]["size"], index.size + amd64_total + arm_total);
  EXPECT_EQ(tags[1]["platforms"], json({"linux/amd64"}));
  EXPECT_GT(amd64_total, amd64.size);

  EXPECT_EQ(tags[3]["attached_to"], index.digest);
  EXPECT_EQ(tags[3]["platforms"], json::array());
  EXPECT_EQ(tags[3]["artifact_type"], "application/vnd.dev.cosign.sig.v1+json");
  EXPECT_TRUE(tags[3]["pushed_at"].is_string());
}

// An image of 200 identical layers, an index naming it 200 times, an index naming that one 200
// times, under 20 tags: each distinct manifest is read once (by hand: 2.3 s before, 83 ms after;
// tests assert no times), and the sizes count each distinct blob once.
TEST(TagList, RepeatedChildrenAndTagsCostWhatDistinctManifestsCost) {
  testing::TestRegistry registry;
  const auto image = registry.repeated_layers("app", "image", 200);
  const auto inner = registry.manifest(
      "app", "inner",
      testing::TestRegistry::repeating_index(image, oci::media_type::kOciManifest, 200));
  const json outer = testing::TestRegistry::repeating_index(inner, oci::media_type::kOciIndex, 200);
  for (int i = 0; i < 20; ++i) {
    std::string tag = "outer";
    tag.append(std::to_string(i));
    registry.manifest("app", tag, outer);
  }
  const json view = tags_of(*registry, "app");
  ASSERT_EQ(view["tags"].size(), 22u);
  const std::uint64_t image_size = view["tags"][0]["size"];
  EXPECT_EQ(view["tags"][1]["size"], inner.size + image_size);
  EXPECT_EQ(view["tags"][1]["platforms"], json({"linux/amd64"}));
  EXPECT_EQ(view["tags"][21]["size"], outer.dump().size() + inner.size + image_size);
}

// A descriptor whose platform names no os reads as the image view reads it: the child's config.
TEST(TagList, PlatformWithoutOsComesFromTheChildAsInTheImageView) {
  testing::TestRegistry registry;
  const auto amd64 = registry.image("app", "amd64", "amd64", "layer-a");
  const auto arm = registry.image("app", "arm", "arm64", "layer-b");
  registry.manifest(
      "app", "multi",
      {{"schemaVersion", 2},
       {"mediaType", oci::media_type::kOciIndex},
       {"manifests", {child(amd64, json::object()), child(arm, {{"variant", "v8"}})}}});
  const json tags = tags_of(*registry, "app")["tags"];
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[2]["platforms"], json({"linux/amd64", "linux/arm64"}));
  auto image = image_view(*registry, "app", "multi", {.pull = true});
  ASSERT_TRUE(image);
  const json platforms = json::parse(*image)["platforms"];
  ASSERT_EQ(platforms.size(), 2u);
  EXPECT_EQ(platforms[0]["platform"]["architecture"], "amd64");
  EXPECT_EQ(platforms[1]["platform"]["architecture"], "arm64");
}

TEST(Actions, FollowTheRegistry) {
  const Actions all{.pull = true, .push = true, .remove = true};
  EXPECT_EQ(Actions::offered(all, {.read_only = true}).to_json(),
            json({{"pull", true}, {"push", false}, {"delete", false}}));
  EXPECT_EQ(Actions::offered(all, {.delete_enabled = false}).to_json(),
            json({{"pull", true}, {"push", true}, {"delete", false}}));
  EXPECT_EQ(Actions::offered({.pull = true}, {}).to_json(),
            json({{"pull", true}, {"push", false}, {"delete", false}}));
}

}  // namespace
}  // namespace ui
