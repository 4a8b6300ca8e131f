// Syncs into a Registry (in-memory driver, SQLite in a temp dir) from in-memory sources.
#include "sync/local_sync.h"

#include <gtest/gtest.h>

#include "metadata/sqlite_store.h"
#include "storage/memory_driver.h"
#include "sync/sync_test_store.h"
#include "testsupport/temp_dir.h"

namespace imagesync {
namespace {

using testing::config_of;
using testing::MemoryRepositories;

class LocalSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = metadata::open_sqlite_store(temp_ / "metadata.sqlite");
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    registry_ = std::make_unique<registry::Registry>(*driver_, *store_, registry::Options{});
    threads_ = std::make_unique<transfer::RegistryThreads>(2);
  }
  void TearDown() override { threads_.reset(); }

  SetRun sync(const std::string& yaml, const std::string& prefix = "") {
    const LocalTarget target{*registry_, *threads_, {}, SyncRunOptions{}};
    return sync_into_registry(config_of(yaml), prefix, sources_, target, {});
  }

  std::string tag_digest(const std::string& repository, const std::string& tag) {
    auto manifest = registry_->get_manifest(repository, tag);
    return manifest ? manifest->digest.str() : manifest.error().message;
  }

  testsupport::TempDir temp_;
  std::unique_ptr<storage::Driver> driver_ = storage::make_memory_driver();
  std::unique_ptr<metadata::Store> store_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<transfer::RegistryThreads> threads_;
  MemoryRepositories sources_;
};

// The registries listed are not written to: the images go into the local registry.
const char* kSet = R"(
registries:
  - eu.example.com/elsewhere
images:
  - source: quay.io/app/api
  - source: quay.io/tools/cli:1.0
  - source: docker.io/library/busybox:1
rewrite:
  - from: quay.io/tools
    to: utilities
)";

TEST_F(LocalSyncTest, CopiesEveryImageUnderItsMappedNameThenNothing) {
  auto& quay = sources_.registry("quay.io");
  const std::string v1 = quay.push_image("app/api", "v1", {"shared", "api-1"});
  const std::string v2 = quay.push_image("app/api", "v2", {"shared", "api-2"});
  const std::string cli = quay.push_image("tools/cli", "1.0", {"cli"});
  const std::string busybox =
      sources_.registry("docker.io").push_image("library/busybox", "1", {"bb"});

  const SetRun first = sync(kSet);
  EXPECT_TRUE(first.errors.empty()) << first.errors.front();
  EXPECT_EQ(first.images_ok, 4);
  EXPECT_EQ(first.images_failed, 0);
  EXPECT_GT(first.bytes, 0);
  EXPECT_EQ(tag_digest("app/api", "v1"), v1);
  EXPECT_EQ(tag_digest("app/api", "v2"), v2);
  EXPECT_EQ(tag_digest("utilities/cli", "1.0"), cli);
  EXPECT_EQ(tag_digest("library/busybox", "1"), busybox);
  EXPECT_TRUE(sources_.registry("eu.example.com").tags("elsewhere/app/api").empty());

  const SetRun again = sync(kSet);
  EXPECT_EQ(again.images_ok, 4);
  EXPECT_EQ(again.bytes, 0);
}

TEST_F(LocalSyncTest, APrefixGoesBeforeEveryName) {
  const std::string v1 = sources_.registry("quay.io").push_image("app/api", "v1", {"api"});
  const SetRun run = sync("images:\n  - source: quay.io/app/api:v1\n", "mirror/quay");
  EXPECT_EQ(run.images_ok, 1);
  EXPECT_EQ(tag_digest("mirror/quay/app/api", "v1"), v1);
}

TEST_F(LocalSyncTest, ARewriteRuleCanKeepTheSourceHost) {
  const std::string v1 = sources_.registry("quay.io").push_image("app/api", "v1", {"api"});
  const SetRun run = sync(R"(
images:
  - source: quay.io/app/api:v1
rewrite:
  - from: quay.io
    to: quay.io
)");
  EXPECT_EQ(run.images_ok, 1);
  EXPECT_EQ(tag_digest("quay.io/app/api", "v1"), v1);
}

TEST_F(LocalSyncTest, FailuresAreCountedAndNamedAndTheRestIsCopied) {
  sources_.registry("quay.io").push_image("app/api", "v1", {"api"});
  sources_.registry("down.example.com").down = true;
  const SetRun run = sync(R"(
images:
  - source: quay.io/app/api:v1
  - source: quay.io/app/gone:1
  - source: down.example.com/team/app
)");
  EXPECT_EQ(run.images_ok, 1);
  EXPECT_EQ(run.images_failed, 1);
  ASSERT_EQ(run.errors.size(), 2u);
  // The source that could not be listed, then the image that failed.
  EXPECT_TRUE(run.errors[0].starts_with("down.example.com/team/app: ")) << run.errors[0];
  EXPECT_TRUE(run.errors[1].starts_with("quay.io/app/gone:1 -> localhost/app/gone: "))
      << run.errors[1];
}

TEST_F(LocalSyncTest, AnUnreadableSyncConfigIsTheRunsError) {
  const LocalTarget target{*registry_, *threads_, {}, SyncRunOptions{}};
  const ScheduledSet set{"missing", temp_ / "missing.yaml", Schedule::every(std::chrono::hours(1)),
                         ""};
  const SetRun run = run_set_into_registry(set, target, {});
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_NE(run.errors[0].find("missing.yaml"), std::string::npos) << run.errors[0];
  EXPECT_EQ(run.images_ok, 0);
}

TEST(LocalDestination, NamesThisRegistryWithAnOptionalPrefix) {
  EXPECT_EQ(local_destination("")->str(), "localhost");
  EXPECT_EQ(local_destination("mirror/a")->str(), "localhost/mirror/a");
  EXPECT_FALSE(local_destination("Not A Path"));
}

}  // namespace
}  // namespace imagesync
