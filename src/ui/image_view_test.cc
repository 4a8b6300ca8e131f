#include "ui/image_view.h"

#include <gtest/gtest.h>

#include "ui/manifest_reader.h"
#include "ui/manifest_summary.h"
#include "ui/test_registry.h"

namespace ui {
namespace {

using nlohmann::json;
using testing::Pushed;
using testing::TestRegistry;

json view_of(registry::Registry& registry, std::string_view repository,
             std::string_view reference) {
  auto text = image_view(registry, repository, reference, {.pull = true});
  EXPECT_TRUE(text) << (text ? "" : text.error().message);
  return text ? json::parse(*text) : json();
}

oci::ErrorCode error_of(registry::Registry& registry, std::string_view repository,
                        std::string_view reference) {
  auto text = image_view(registry, repository, reference, {});
  EXPECT_FALSE(text);
  return text ? oci::ErrorCode::kInternal : text.error().code;
}

json image_body(const Pushed& config, const Pushed& layer, std::string_view config_type) {
  return {{"schemaVersion", 2},
          {"mediaType", oci::media_type::kOciManifest},
          {"config", TestRegistry::descriptor(config_type, config)},
          {"layers", {TestRegistry::descriptor("application/vnd.oci.image.layer.v1.tar", layer)}}};
}

TEST(ImageView, RefusesWhatIsNotThere) {
  TestRegistry registry;
  registry.image("app", "1.0", "amd64", "layer");
  EXPECT_EQ(error_of(*registry, "nothing", "1.0"), oci::ErrorCode::kNameUnknown);
  EXPECT_EQ(error_of(*registry, "app", "2.0"), oci::ErrorCode::kManifestUnknown);
  EXPECT_EQ(error_of(*registry, "app", "sha256:" + std::string(64, '0')),
            oci::ErrorCode::kManifestUnknown);
  EXPECT_EQ(error_of(*registry, "app", "sha256:zz"), oci::ErrorCode::kDigestInvalid);
  EXPECT_EQ(error_of(*registry, "app", "-bad-tag"), oci::ErrorCode::kManifestInvalid);
  EXPECT_EQ(error_of(*registry, "../etc", "1.0"), oci::ErrorCode::kNameInvalid);
}

TEST(ImageView, ShowsAnImageWithItsConfigLayersReferrersAndSignatures) {
  TestRegistry registry;
  const Pushed image = registry.image("team/app", "1.0", "amd64", "layer-bytes");
  const Pushed empty = registry.blob("team/app", "{}");
  const Pushed sbom = registry.blob("team/app", "{\"spdxVersion\":\"SPDX-2.3\"}");
  json referrer = image_body(empty, sbom, oci::media_type::kOciEmpty);
  referrer["artifactType"] = "application/spdx+json";
  referrer["subject"] = TestRegistry::descriptor(oci::media_type::kOciManifest, image);
  referrer["annotations"] = {{"org.example", "sbom"}};
  const Pushed sbom_manifest = registry.manifest("team/app", "sbom", referrer);
  const std::string sig_tag = "sha256-" + image.digest.substr(7) + ".sig";
  const Pushed signature = registry.manifest(
      "team/app", sig_tag, image_body(empty, sbom, "application/vnd.dev.cosign.sig.v1+json"));

  const json view = view_of(*registry, "team/app", "1.0");
  EXPECT_EQ(view["repository"], "team/app");
  EXPECT_EQ(view["reference"], "1.0");
  EXPECT_EQ(view["digest"], image.digest);
  EXPECT_EQ(view["media_type"], oci::media_type::kOciManifest);
  EXPECT_EQ(view["size"], image.size);
  EXPECT_EQ(view["artifact_type"], "");
  EXPECT_TRUE(view["subject"].is_null());
  EXPECT_EQ(view["manifest"]["schemaVersion"], 2);
  EXPECT_EQ(view["actions"], json({{"pull", true}, {"push", false}, {"delete", false}}));

  ASSERT_EQ(view["platforms"].size(), 1u);
  const json& platform = view["platforms"][0];
  EXPECT_EQ(platform["platform"],
            json({{"os", "linux"}, {"architecture", "amd64"}, {"variant", ""}}));
  EXPECT_EQ(platform["digest"], image.digest);
  EXPECT_FALSE(platform["missing"]);
  const json& config = platform["config"];
  EXPECT_EQ(config["os"], "linux");
  EXPECT_EQ(config["created"], "2026-12-01T10:00:00Z");
  EXPECT_EQ(config["entrypoint"], json({"/bin/sh"}));
  EXPECT_TRUE(config["cmd"].is_null());
  EXPECT_EQ(config["env"], json({"PATH=/bin"}));
  EXPECT_EQ(config["exposed_ports"], json({"8080/tcp"}));
  EXPECT_EQ(config["labels"], json({{"team", "infra"}}));
  EXPECT_EQ(config["history"][0]["created_by"], "ADD file");
  EXPECT_TRUE(config["history"][0]["created"].is_null());
  ASSERT_EQ(platform["layers"].size(), 1u);
  EXPECT_EQ(platform["layers"][0]["digest"], oci::digest_of("layer-bytes").str());
  EXPECT_EQ(platform["layers"][0]["size"], 11);
  const std::uint64_t config_size = config["size"];
  EXPECT_EQ(platform["total_size"], image.size + config_size + 11);
  EXPECT_EQ(view["total_size"], platform["total_size"]);

  ASSERT_EQ(view["referrers"].size(), 1u);
  EXPECT_EQ(view["referrers"][0]["digest"], sbom_manifest.digest);
  EXPECT_EQ(view["referrers"][0]["artifact_type"], "application/spdx+json");
  EXPECT_EQ(view["referrers"][0]["subject"], image.digest);
  EXPECT_EQ(view["referrers"][0]["annotations"]["org.example"], "sbom");
  ASSERT_EQ(view["signatures"].size(), 1u);
  EXPECT_EQ(view["signatures"][0],
            json({{"tag", sig_tag}, {"digest", signature.digest}, {"kind", "sig"}}));

  const json artifact = view_of(*registry, "team/app", sbom_manifest.digest);
  EXPECT_EQ(artifact["artifact_type"], "application/spdx+json");
  EXPECT_EQ(artifact["subject"], image.digest);
  EXPECT_TRUE(artifact["platforms"][0]["config"].is_null());
  EXPECT_EQ(artifact["platforms"][0]["config_media_type"], oci::media_type::kOciEmpty);
}

TEST(ImageView, ShowsAnIndexChildByChildWithMissingOnes) {
  TestRegistry registry;
  const Pushed amd64 = registry.image("app", "amd64", "amd64", "a");
  json held = TestRegistry::descriptor(oci::media_type::kOciManifest, amd64);
  held["platform"] = {{"os", "linux"}, {"architecture", "amd64"}};
  json absent = TestRegistry::descriptor(oci::media_type::kOciManifest,
                                         {"sha256:" + std::string(64, 'e'), 500});
  absent["platform"] = {{"os", "linux"}, {"architecture", "s390x"}};
  const json index = {{"schemaVersion", 2},
                      {"mediaType", oci::media_type::kOciIndex},
                      {"manifests", {held, absent}},
                      {"annotations", {{"org.opencontainers.image.version", "1"}}}};
  // As pull-through stores an index: children are fetched when asked for.
  const std::string text = index.dump();
  auto put = registry->put_fetched_manifest("app", "multi", oci::media_type::kOciIndex, text);
  ASSERT_TRUE(put);

  const json view = view_of(*registry, "app", "multi");
  EXPECT_EQ(view["annotations"]["org.opencontainers.image.version"], "1");
  ASSERT_EQ(view["platforms"].size(), 2u);
  EXPECT_EQ(view["platforms"][0]["platform"]["architecture"], "amd64");
  EXPECT_FALSE(view["platforms"][0]["missing"]);
  EXPECT_EQ(view["platforms"][0]["config"]["architecture"], "amd64");
  EXPECT_EQ(view["platforms"][1]["platform"]["architecture"], "s390x");
  EXPECT_TRUE(view["platforms"][1]["missing"]);
  EXPECT_TRUE(view["platforms"][1]["config"].is_null());
  EXPECT_TRUE(view["platforms"][1]["layers"].is_null());
  EXPECT_EQ(view["total_size"],
            text.size() + view["platforms"][0]["total_size"].get<std::uint64_t>());
}

TEST(ImageView, ConfigThatCannotBeReadSaysWhy) {
  TestRegistry registry;
  const Pushed layer = registry.blob("app", "layer");
  const Pushed garbage = registry.blob("app", "not json");
  registry.manifest("app", "garbage",
                    image_body(garbage, layer, "application/vnd.oci.image.config.v1+json"));
  const Pushed big = registry.blob("app", std::string(kMaxConfigBytes + 1, ' '));
  registry.manifest("app", "big",
                    image_body(big, layer, "application/vnd.oci.image.config.v1+json"));
  const Pushed deep = registry.blob("app", std::string(10000, '[') + std::string(10000, ']'));
  registry.manifest("app", "deep",
                    image_body(deep, layer, "application/vnd.oci.image.config.v1+json"));
  for (const char* tag : {"garbage", "big", "deep"}) {
    const json view = view_of(*registry, "app", tag);
    const json& platform = view["platforms"][0];
    EXPECT_TRUE(platform["config"].is_null()) << tag;
    EXPECT_FALSE(platform["config_error"].get<std::string>().empty()) << tag;
    EXPECT_EQ(platform["platform"]["os"], "") << tag;
  }
}

// An image of 600 identical layers, an index naming it 600 times, an index naming that one 600
// times: what the views do grows with the distinct manifests, and what they answer is capped.
TEST(ImageView, RepeatedChildrenCostWhatDistinctOnesCost) {
  TestRegistry registry;
  const Pushed wide = registry.repeated_layers("app", "wide", 600);
  const Pushed inner = registry.manifest(
      "app", "inner", TestRegistry::repeating_index(wide, oci::media_type::kOciManifest, 600));
  const Pushed outer = registry.manifest(
      "app", "outer", TestRegistry::repeating_index(inner, oci::media_type::kOciIndex, 600));

  auto text = image_view(*registry, "app", "inner", {.pull = true});
  ASSERT_TRUE(text);
  EXPECT_LT(text->size(), std::size_t{2} << 20);
  const json view = json::parse(*text);
  EXPECT_TRUE(view.value("truncated", false));
  ASSERT_EQ(view["platforms"].size(), 600u);
  std::size_t layers = 0;
  for (const json& platform : view["platforms"]) {
    layers += platform["layers"].size();
    EXPECT_EQ(platform["total_size"], view["platforms"][0]["total_size"]);
  }
  EXPECT_EQ(layers, 1000u);
  EXPECT_EQ(view["platforms"][0]["layers"].size(), 600u);
  EXPECT_EQ(
      view["total_size"],
      inner.size + wide.size + view["platforms"][0]["config"]["size"].get<std::uint64_t>() + 5);

  const json nested = view_of(*registry, "app", "outer");
  EXPECT_EQ(nested["platforms"].size(), 600u);
  EXPECT_FALSE(nested.value("truncated", true));
  EXPECT_EQ(nested["total_size"], outer.size + view["total_size"].get<std::uint64_t>());
  EXPECT_FALSE(view_of(*registry, "app", "wide").value("truncated", true));
}

// Sizes as a manifest declares them, up to 2^63 each: the total stops at 2^53 - 1, not wraps.
TEST(ImageView, TotalsStopAtTheLargestExactNumber) {
  TestRegistry registry;
  const Pushed config = registry.blob("app", R"({"os":"linux","architecture":"amd64"})");
  json body =
      image_body(config, registry.blob("app", "layer"), "application/vnd.oci.image.config.v1+json");
  for (char fill : {'a', 'b', 'c', 'd', 'e'}) {
    body["layers"].push_back(TestRegistry::descriptor("application/vnd.oci.image.layer.v1.tar",
                                                      {"sha256:" + std::string(64, fill), 0}));
    body["layers"].back()["size"] = std::int64_t{1} << 62;
  }
  auto put =
      registry->put_fetched_manifest("app", "huge", oci::media_type::kOciManifest, body.dump());
  ASSERT_TRUE(put) << put.error().message;
  const json view = view_of(*registry, "app", "huge");
  EXPECT_EQ(view["total_size"], kMaxTotalSize);
  EXPECT_EQ(view["platforms"][0]["total_size"], kMaxTotalSize);
  EXPECT_EQ(view["platforms"][0]["layers"][1]["size"], std::int64_t{1} << 62);
}

}  // namespace
}  // namespace ui
