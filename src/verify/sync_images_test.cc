// sync_images against tag lists answered from tables: which entries need a listing, where
// the tags are listed (the node's sources for :latest, then for a digest), and the verdict of
// a repository no source lists.
#include "verify/sync_images.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "client/http_transport.h"
#include "nodeconf/registries_conf_loader.h"
#include "testsupport/temp_dir.h"

namespace verify {
namespace {

constexpr std::string_view kDigest =
    "sha256:1111111111111111111111111111111111111111111111111111111111111111";

class TagProbes final : public Probes {
 public:
  std::map<std::string, std::vector<std::string>> tag_lists;  // location -> tags
  std::map<std::string, bool> unreachable;                    // host -> true
  std::vector<std::string> listed;                            // locations asked, in order

  ManifestProbe manifest(const SourceRepository&, std::string_view) override { return {}; }
  Probe blob(const SourceRepository&, const oci::Digest&) override { return {}; }
  oci::Result<std::vector<std::string>> tags(const SourceRepository& source) override {
    listed.push_back(source.location());
    if (unreachable.contains(source.host)) {
      return oci::fail(oci::ErrorCode::kInternal,
                       std::string(client::failure_marker(client::FailureKind::kConnect)) +
                           "GET https://" + source.host + "/v2/: refused");
    }
    const auto it = tag_lists.find(source.location());
    if (it == tag_lists.end()) return oci::fail(oci::ErrorCode::kNameUnknown, "no such repository");
    return it->second;
  }
};

class SyncImagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // quay.io/ns: a digest-only mirror (an IDMS's), which the node never asks for tags.
    std::ofstream(dir_ / "registries.conf") << R"(
[[registry]]
prefix = "quay.io/ns"
location = "quay.io/ns"
[[registry.mirror]]
location = "mirror-d.example/ns"
pull-from-mirror = "digest-only"
)";
    conf_ = nodeconf::load_registries_conf(
        nodeconf::ConfigLocation{.file = dir_ / "registries.conf", .dropin_dir = dir_ / "none"});
    ASSERT_TRUE(conf_) << conf_.error().message;
  }

  SyncImages images_of(const std::string& yaml) {
    auto config = imagesync::parse_sync_config(yaml, "sync.yaml");
    EXPECT_TRUE(config) << config.error().message;
    return config ? sync_images(*config, conf_, probes_) : SyncImages{};
  }

  testsupport::TempDir dir_;
  oci::Result<nodeconf::RegistriesConf> conf_ = oci::fail(oci::ErrorCode::kInternal, "unset");
  TagProbes probes_;
};

TEST_F(SyncImagesTest, ImagesNamedByTagOrDigestNeedNoListing) {
  const SyncImages images = images_of(std::string(R"(
images:
  - source: quay.io/ns/app:v1
  - source: quay.io/ns/app@)") + std::string(kDigest) +
                                      R"(
  - source: quay.io/ns/app:v1
  - source: quay.io/ns/db
    tags: [v2, v3]
)");
  EXPECT_EQ(images.images,
            (std::vector<std::string>{"quay.io/ns/app:v1", "quay.io/ns/app@" + std::string(kDigest),
                                      "quay.io/ns/db:v2", "quay.io/ns/db:v3"}));
  EXPECT_TRUE(probes_.listed.empty());
  EXPECT_TRUE(images.unlisted.empty());
}

TEST_F(SyncImagesTest, ATagFilterListsAtTheFirstSourceThatAnswers) {
  probes_.unreachable["quay.io"] = true;
  probes_.tag_lists["mirror-d.example/ns/app"] = {"v1.0", "v1.1", "v2.0", "latest"};
  const SyncImages images = images_of(R"(
images:
  - source: quay.io/ns/app
    tag-regex: 'v1\..*'
)");
  // Newest first, as sync picks them.
  EXPECT_EQ(images.images,
            (std::vector<std::string>{"quay.io/ns/app:v1.1", "quay.io/ns/app:v1.0"}));
  // The node's source for :latest first, then the digest-only mirror.
  EXPECT_EQ(probes_.listed,
            (std::vector<std::string>{"quay.io/ns/app", "mirror-d.example/ns/app"}));
}

TEST_F(SyncImagesTest, ARepositoryNoSourceListsIsOneVerdictNamingEverySource) {
  probes_.unreachable["quay.io"] = true;
  const SyncImages images = images_of(R"(
images:
  - source: quay.io/ns/app
    newest: 2
  - source: quay.io/ns/web:v1
)");
  EXPECT_EQ(images.images, (std::vector<std::string>{"quay.io/ns/web:v1"}));
  ASSERT_EQ(images.unlisted.size(), 1u);
  const ImageVerdict& unlisted = images.unlisted[0];
  EXPECT_EQ(unlisted.image, "quay.io/ns/app");
  // The mirror's MISSING says more than the unreachable registry.
  EXPECT_EQ(unlisted.status, Status::kMissing) << unlisted.reason;
  EXPECT_NE(unlisted.reason.find("quay.io/ns/app: UNREACHABLE"), std::string::npos)
      << unlisted.reason;
  EXPECT_NE(unlisted.reason.find("mirror-d.example/ns/app: MISSING"), std::string::npos)
      << unlisted.reason;
}

TEST_F(SyncImagesTest, OnlyDigestsNeedNoListing) {
  const SyncImages images = images_of(std::string(R"(
images:
  - source: quay.io/ns/app
    digests: [)") + std::string(kDigest) +
                                      R"(]
)");
  EXPECT_EQ(images.images, (std::vector<std::string>{"quay.io/ns/app@" + std::string(kDigest)}));
  EXPECT_TRUE(probes_.listed.empty());
}

}  // namespace
}  // namespace verify
