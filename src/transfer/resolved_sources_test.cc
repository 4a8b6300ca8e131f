#include "transfer/resolved_sources.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace transfer {
namespace {

namespace fs = std::filesystem;
using Outcome = SourceAttempt::Outcome;

nodeconf::Endpoint endpoint(std::string location) {
  nodeconf::Endpoint made;
  made.location = std::move(location);
  return made;
}

// A [[registry]] entry whose prefix is its location.
nodeconf::Registry entry(const std::string& prefix) {
  nodeconf::Registry made;
  made.prefix = prefix;
  made.endpoint = endpoint(prefix);
  return made;
}

class ResolvedSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("resolved-sources-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "certs.d");
    // Nothing from the machine running the test: no certs.d, an empty auth file.
    access_.certs_d_roots = {root_ / "certs.d"};
    std::ofstream(root_ / "auth.json") << R"({"auths": {}})";
    access_.authfile = root_ / "auth.json";
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  AccessOptions access_;
};

TEST_F(ResolvedSourcesTest, MirrorsNotUsedAndBlockedOnesAreSkippedWithTheirReason) {
  nodeconf::Registry blocked = entry("blocked.example");
  blocked.blocked = true;
  nodeconf::Registry origin = entry("quay.io/ns");
  origin.mirrors = {endpoint("digests.example/ns"), endpoint("blocked.example/ns"),
                    endpoint("mirror.example/ns")};
  origin.mirrors[0].pull_from_mirror = "digest-only";
  nodeconf::RegistriesConf conf;
  conf.registries = {blocked, origin};
  const nodeconf::Resolution resolution = nodeconf::resolve(conf, nullptr, "quay.io/ns/app:v1");
  StoreOpener opener(root_ / "state");
  auto sources = open_resolved_sources(resolution, access_, opener);
  ASSERT_TRUE(sources) << sources.error().message;
  EXPECT_EQ((*sources)->describe(), "mirror.example/ns/app, then quay.io/ns/app");

  const std::vector<SourceAttempt> attempts = (*sources)->attempts();
  ASSERT_EQ(attempts.size(), 2U);
  EXPECT_EQ(attempts[0].source.location, "digests.example/ns/app");
  EXPECT_TRUE(attempts[0].source.mirror);
  EXPECT_EQ(attempts[0].reference, "digests.example/ns/app:v1");
  EXPECT_EQ(attempts[0].outcome, Outcome::kSkipped);
  EXPECT_FALSE(attempts[0].error.empty());
  EXPECT_EQ(attempts[1].source.location, "blocked.example/ns/app");
  EXPECT_EQ(attempts[1].reference, "blocked.example/ns/app:v1");
  EXPECT_EQ(attempts[1].outcome, Outcome::kSkipped);
  EXPECT_NE(attempts[1].error.find("blocked"), std::string::npos) << attempts[1].error;
}

TEST_F(ResolvedSourcesTest, NoSourceToAskFailsWithEveryReason) {
  nodeconf::Registry origin = entry("quay.io/ns");
  origin.blocked = true;
  nodeconf::RegistriesConf conf;
  conf.registries = {origin};
  const nodeconf::Resolution resolution = nodeconf::resolve(conf, nullptr, "quay.io/ns/app:v1");
  StoreOpener opener(root_ / "state");
  auto sources = open_resolved_sources(resolution, access_, opener);
  ASSERT_FALSE(sources);
  EXPECT_EQ(sources.error().code, oci::ErrorCode::kDenied);
  const std::vector<SourceAttempt> skipped = skipped_sources(resolution);
  ASSERT_EQ(skipped.size(), 1U);
  EXPECT_EQ(skipped[0].reference, "quay.io/ns/app:v1");
  EXPECT_FALSE(skipped[0].source.mirror);
  EXPECT_EQ(skipped[0].outcome, Outcome::kSkipped);
  EXPECT_NE(sources.error().message.find("quay.io/ns/app:v1: "), std::string::npos)
      << sources.error().message;
}

}  // namespace
}  // namespace transfer
