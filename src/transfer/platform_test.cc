#include "transfer/platform.h"

#include <gtest/gtest.h>

#include "oci/media_type.h"

namespace transfer {
namespace {

TEST(PlatformTest, Parses) {
  auto arm = Platform::parse("linux/arm64/v8");
  ASSERT_TRUE(arm);
  EXPECT_EQ(arm->os, "linux");
  EXPECT_EQ(arm->architecture, "arm64");
  EXPECT_EQ(arm->variant, "v8");
  auto amd = Platform::parse("linux/amd64");
  ASSERT_TRUE(amd);
  EXPECT_EQ(amd->variant, "");
  EXPECT_EQ(to_string(*arm), "linux/arm64/v8");
  EXPECT_EQ(to_string(*amd), "linux/amd64");
  for (const char* bad : {"", "linux", "linux/", "/amd64", "linux/arm/v7/x", "linux//v7"}) {
    EXPECT_FALSE(Platform::parse(bad)) << bad;
  }
}

class SelectPlatformTest : public ::testing::Test {
 protected:
  // Children named by their digest's first hex digit: 1.. in the order of `platforms`.
  void make(std::vector<nlohmann::json> platforms) {
    nlohmann::json manifests = nlohmann::json::array();
    for (std::size_t i = 0; i < platforms.size(); ++i) {
      nlohmann::json entry = {{"mediaType", oci::media_type::kOciManifest},
                              {"digest", "sha256:" + std::string(64, static_cast<char>('1' + i))},
                              {"size", 10}};
      if (!platforms[i].is_null()) entry["platform"] = platforms[i];
      manifests.push_back(entry);
    }
    body_ = nlohmann::json({{"schemaVersion", 2},
                            {"mediaType", oci::media_type::kOciIndex},
                            {"manifests", manifests}})
                .dump();
    index_ = *oci::parse_manifest(body_, oci::media_type::kOciIndex);
  }
  char pick(const char* wanted) {
    auto chosen = select_platform(body_, index_, *Platform::parse(wanted));
    if (!chosen) return '-';
    return chosen->digest.hex()[0];
  }
  std::string body_;
  oci::Manifest index_;
};

TEST_F(SelectPlatformTest, ExactFirstThenVariantLess) {
  make({{{"os", "linux"}, {"architecture", "arm"}},
        {{"os", "linux"}, {"architecture", "arm"}, {"variant", "v7"}},
        {{"os", "linux"}, {"architecture", "amd64"}},
        nullptr,
        {{"os", "windows"}, {"architecture", "amd64"}}});
  EXPECT_EQ(pick("linux/arm/v7"), '2');
  EXPECT_EQ(pick("linux/arm/v6"), '1');
  EXPECT_EQ(pick("linux/arm"), '1');
  EXPECT_EQ(pick("linux/amd64"), '3');
  EXPECT_EQ(pick("windows/amd64"), '5');
  EXPECT_EQ(pick("linux/s390x"), '-');
}

TEST_F(SelectPlatformTest, Arm64V8IsArm64) {
  make({{{"os", "linux"}, {"architecture", "amd64"}},
        {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}}});
  EXPECT_EQ(pick("linux/arm64"), '2');
  EXPECT_EQ(pick("linux/arm64/v8"), '2');
}

TEST_F(SelectPlatformTest, NoMatchNamesWhatThereIs) {
  make({{{"os", "linux"}, {"architecture", "amd64"}},
        {{"os", "linux"}, {"architecture", "ppc64le"}}});
  auto chosen = select_platform(body_, index_, Platform{"linux", "riscv64", ""});
  ASSERT_FALSE(chosen);
  EXPECT_EQ(chosen.error().code, oci::ErrorCode::kManifestUnknown);
  EXPECT_NE(chosen.error().message.find("linux/riscv64"), std::string::npos);
  EXPECT_NE(chosen.error().message.find("linux/amd64, linux/ppc64le"), std::string::npos);
}

}  // namespace
}  // namespace transfer
