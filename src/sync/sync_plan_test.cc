#include "sync/sync_plan.h"

#include <gtest/gtest.h>

#include "oci/attachment_tag.h"
#include "sync/sync_test_store.h"

namespace imagesync {
namespace {

using testing::config_of;
using testing::MemoryRepositories;

std::vector<std::string> described(const SyncPlan& plan) {
  std::vector<std::string> out;
  for (const auto& job : plan.jobs) {
    out.push_back(job.describe() + (job.destination_tag.empty() ? " untagged" : " tagged"));
  }
  return out;
}

class SyncPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& quay = repositories_.registry("quay.io");
    for (const char* tag : {"v1.0", "v1.1", "v1.2", "v2.0", "latest"}) {
      quay.push_image("app/api", tag, {std::string("api-") + tag});
    }
    quay.push_image("app/web", "1.0", {"web"});
  }
  MemoryRepositories repositories_;
};

TEST_F(SyncPlanTest, FiltersTheListedTags) {
  const auto plan = plan_sync(config_of(R"(
images:
  - source: quay.io/app/api
    semver: '>=1.1 <2'
    newest: 1
  - source: quay.io/app/api
    tags: [latest]
    tag-regex: 'v2\..*'
)"),
                              repositories_, 4);
  EXPECT_TRUE(plan.problems.empty());
  EXPECT_EQ(described(plan),
            (std::vector<std::string>{"quay.io/app/api:v1.2 tagged", "quay.io/app/api:v2.0 tagged",
                                      "quay.io/app/api:latest tagged"}));
}

TEST_F(SyncPlanTest, SingleImagesDigestsAndDuplicates) {
  const std::string digest = repositories_.registry("quay.io").tag_digest("app/api", "v1.0");
  const auto plan = plan_sync(config_of(R"(
images:
  - source: quay.io/app/web:1.0
  - source: quay.io/app/web:1.0
  - source: quay.io/app/api
    digests: [)" + digest + R"(]
  - source: quay.io/app/api@)" + digest +
                                        "\n"),
                              repositories_, 4);
  EXPECT_EQ(described(plan), (std::vector<std::string>{"quay.io/app/web:1.0 tagged",
                                                       "quay.io/app/api@" + digest + " untagged"}));
  EXPECT_TRUE(plan.jobs[1].by_digest());
}

TEST_F(SyncPlanTest, NoFilterIsEveryTagAndPlatformsSplitJobs) {
  const auto plan = plan_sync(config_of(R"(
images:
  - source: quay.io/app/api
    tags: [v1.0]
    platforms: [linux/arm64]
  - source: quay.io/app/web
    platforms: [linux/amd64, linux/arm64]
  - source: quay.io/app/api
)"),
                              repositories_, 4);
  EXPECT_EQ(described(plan), (std::vector<std::string>{
                                 "quay.io/app/api:v1.0 [linux/arm64] tagged",
                                 "quay.io/app/web:1.0 [linux/amd64] untagged",
                                 "quay.io/app/web:1.0 [linux/arm64] untagged",
                                 "quay.io/app/api:v2.0 tagged",
                                 "quay.io/app/api:v1.2 tagged",
                                 "quay.io/app/api:v1.1 tagged",
                                 "quay.io/app/api:v1.0 tagged",
                                 "quay.io/app/api:latest tagged",
                             }));
}

TEST_F(SyncPlanTest, AttachmentTagsAreNotImagesOfTheirOwn) {
  auto& quay = repositories_.registry("quay.io");
  const std::string web = quay.tag_digest("app/web", "1.0");
  quay.push_image("app/web", oci::attachment_tag(web, "sig"), {"signature"});
  const auto plan = plan_sync(config_of(R"(
images:
  - source: quay.io/app/web
)"),
                              repositories_, 4);
  EXPECT_EQ(described(plan), (std::vector<std::string>{"quay.io/app/web:1.0 tagged"}));
}

TEST_F(SyncPlanTest, ExactTagsAloneAreNotListed) {
  repositories_.registry("quay.io").down = true;
  const auto plan = plan_sync(config_of(R"(
images:
  - source: quay.io/app/api
    tags: [v1.0]
  - source: quay.io/app/web
)"),
                              repositories_, 4);
  EXPECT_EQ(described(plan), (std::vector<std::string>{"quay.io/app/api:v1.0 tagged"}));
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_EQ(plan.problems[0].image, "quay.io/app/web");
  EXPECT_NE(plan.problems[0].message.find("connection refused"), std::string::npos);
}

TEST_F(SyncPlanTest, MirrorPairsPerDestination) {
  const auto config = config_of(R"(
registries: [eu.example.com/mirror, us.example.com:5000]
images:
  - source: quay.io/app/api
    tags: [v1.0]
  - source: quay.io/app/web
    platforms: [linux/amd64, linux/arm64]
rewrite:
  - {from: quay.io/app/web, to: frontend}
)");
  const auto mirrors = plan_mirrors(config, plan_sync(config, repositories_, 2));
  ASSERT_EQ(mirrors.size(), 2u);
  EXPECT_EQ(mirrors[0].destination, "eu.example.com/mirror");
  ASSERT_EQ(mirrors[0].pairs.size(), 2u);
  EXPECT_EQ(mirrors[0].pairs[0].source, "quay.io/app/api");
  EXPECT_EQ(mirrors[0].pairs[0].mirror, "eu.example.com/mirror/app/api");
  EXPECT_TRUE(mirrors[0].pairs[0].by_tag);
  EXPECT_EQ(mirrors[0].pairs[1].mirror, "eu.example.com/mirror/frontend");
  EXPECT_FALSE(mirrors[0].pairs[1].by_tag);  // several platforms: copied by digest only
  EXPECT_EQ(mirrors[1].pairs[1].mirror, "us.example.com:5000/frontend");
}

}  // namespace
}  // namespace imagesync
