#include "sync/sync_run.h"

#include <gtest/gtest.h>

#include <chrono>

#include <fmt/format.h>

#include "sync/sync_test_store.h"

namespace imagesync {
namespace {

using testing::config_of;
using testing::MemoryRepositories;

SyncSummary sync(const SyncConfig& config, MemoryRepositories& repositories) {
  transfer::NoProgress progress;
  const SyncPlan plan = plan_sync(config, repositories, 4);
  return run_plan(config, plan, SyncRunOptions{}, repositories, progress);
}

const char* kThreeRegions = R"(
registries:
  - eu.example.com/mirror
  - us.example.com:5000
  - ap.example.com/a/b
images:
  - source: quay.io/app/api
  - source: quay.io/app/web:1.0
)";

TEST(SyncRun, CopiesEveryImageToEveryDestinationThenNothing) {
  MemoryRepositories repositories;
  auto& quay = repositories.registry("quay.io");
  const std::string v1 = quay.push_image("app/api", "v1", {"shared", "api-1"});
  quay.push_image("app/api", "v2", {"shared", "api-2"});
  quay.push_image("app/web", "1.0", {"shared", "web"});
  const auto config = config_of(kThreeRegions);

  const SyncSummary first = sync(config, repositories);
  EXPECT_TRUE(first.ok()) << format_summary(first);
  EXPECT_FALSE(first.nothing_copied());
  ASSERT_EQ(first.destinations.size(), 3u);
  for (const auto& d : first.destinations) {
    EXPECT_EQ(d.images_ok, 3) << d.destination;
    EXPECT_GT(d.stats.blobs_copied, 0) << d.destination;
  }
  EXPECT_EQ(repositories.registry("eu.example.com").tag_digest("mirror/app/api", "v1"), v1);
  EXPECT_EQ(repositories.registry("us.example.com:5000").tag_digest("app/api", "v1"), v1);
  EXPECT_EQ(repositories.registry("ap.example.com").tags("a/b/app/web"),
            (std::vector<std::string>{"1.0"}));

  const SyncSummary again = sync(config, repositories);
  EXPECT_TRUE(again.nothing_copied()) << format_summary(again);
  for (const auto& d : again.destinations) {
    EXPECT_EQ(d.stats.blobs_copied, 0);
    EXPECT_GT(d.stats.blobs_skipped, 0);
  }
  EXPECT_NE(format_summary(again).find("nothing to copy: every blob already present"),
            std::string::npos);
  EXPECT_EQ(format_summary(first).find("nothing to copy"), std::string::npos);
}

TEST(SyncRun, AFailedDestinationOrImageDoesNotStopTheOthers) {
  MemoryRepositories repositories;
  auto& quay = repositories.registry("quay.io");
  quay.push_image("app/api", "v1", {"api-1"});
  quay.push_image("app/web", "1.0", {"web"});
  repositories.registry("us.example.com:5000").down = true;
  const auto config = config_of(std::string(kThreeRegions) + "  - source: quay.io/app/gone:1\n");

  const SyncSummary summary = sync(config, repositories);
  EXPECT_FALSE(summary.ok());
  ASSERT_EQ(summary.destinations.size(), 3u);
  const auto& eu = summary.destinations[0];
  const auto& us = summary.destinations[1];
  EXPECT_EQ(eu.images_ok, 2);
  ASSERT_EQ(eu.failures.size(), 1u);
  EXPECT_EQ(eu.failures[0].image, "quay.io/app/gone:1 -> eu.example.com/mirror/app/gone");
  EXPECT_NE(eu.failures[0].error.find("unknown"), std::string::npos) << eu.failures[0].error;
  // The unreachable destination is down: said once, with why, not once per image. The image
  // missing at the source is listed there too when it was tried before the destination was
  // marked down (the jobs run in parallel), else it is one of those not copied.
  EXPECT_EQ(us.images_ok, 0);
  EXPECT_GE(us.images_not_copied, 2);
  EXPECT_EQ(us.images_not_copied + static_cast<int>(us.failures.size()), 3);
  for (const auto& failure : us.failures) {
    EXPECT_EQ(failure.image, "quay.io/app/gone:1 -> us.example.com:5000/app/gone");
  }
  EXPECT_NE(us.down.find("connection refused"), std::string::npos) << us.down;
  EXPECT_EQ(summary.destinations[2].images_ok, 2);
  const std::string text = format_summary(summary);
  EXPECT_NE(text.find("us.example.com:5000: 0 images ok"), std::string::npos) << text;
  EXPECT_NE(text.find("destination down: 2 transport failures in a row"), std::string::npos)
      << text;
}

TEST(SyncRun, ADestinationDownIsAskedAFewTimesNotOncePerImage) {
  MemoryRepositories repositories;
  auto& quay = repositories.registry("quay.io");
  std::string yaml = "registries: [up.example.com, down.example.com]\nimages:\n";
  for (int i = 0; i < 40; ++i) {
    quay.push_image(fmt::format("app/i{}", i), "1", {fmt::format("layer-{}", i)});
    yaml += fmt::format("  - source: quay.io/app/i{}:1\n", i);
  }
  auto& down = repositories.registry("down.example.com");
  down.down = true;
  transfer::NoProgress progress;
  const auto config = config_of(yaml);
  SyncRunOptions options;
  options.jobs = 2;
  options.blob_jobs = 2;
  const SyncSummary summary =
      run_plan(config, plan_sync(config, repositories, 2), options, repositories, progress);
  EXPECT_EQ(summary.destinations[0].images_ok, 40);
  EXPECT_EQ(summary.destinations[1].images_not_copied, 40);
  EXPECT_FALSE(summary.ok());
  // At most the requests in flight when it went down (2 images x 2 blobs) and the two that
  // marked it.
  EXPECT_LE(down.requests, 6);
}

TEST(SyncRun, EachSourceBlobIsReadOnceHoweverManyDestinations) {
  const auto reads = [](const std::string& registries) {
    MemoryRepositories repositories;
    auto& quay = repositories.registry("quay.io");
    quay.push_image("app/api", "v1", {"shared", "api-1"});
    quay.push_image("app/api", "v2", {"shared", "api-2"});
    quay.push_image("app/api", "v3", {"shared", "api-3"});
    const SyncSummary summary =
        sync(config_of("registries: [" + registries + "]\nimages: [{source: quay.io/app/api}]\n"),
             repositories);
    EXPECT_TRUE(summary.ok()) << format_summary(summary);
    return quay.blob_reads.load();
  };
  const int one = reads("a.example.com");
  EXPECT_GT(one, 0);
  EXPECT_EQ(reads("a.example.com, b.example.com, c.example.com"), one);
}

TEST(SyncRun, ABaseLayerSharedAcrossRepositoriesIsReadOnceAndMounted) {
  MemoryRepositories repositories;
  auto& quay = repositories.registry("quay.io");
  quay.push_image("app/api", "1", {"base", "api"});
  quay.push_image("app/web", "1", {"base", "web"});
  quay.push_image("app/db", "1", {"base", "db"});
  const SyncSummary summary = sync(config_of(R"(
registries: [a.example.com, b.example.com]
images: [{source: quay.io/app/api}, {source: quay.io/app/web}, {source: quay.io/app/db}]
)"),
                                   repositories);
  ASSERT_TRUE(summary.ok()) << format_summary(summary);
  EXPECT_EQ(quay.blob_reads, static_cast<int>(quay.blob_count()));
  for (const auto& d : summary.destinations) {
    EXPECT_EQ(d.images_ok, 3);
    // The base (and the config, the same for all three) into the second and third.
    EXPECT_EQ(d.stats.blobs_mounted, 4) << d.destination;
  }
}

TEST(SyncRun, PlatformsPickManifestsOutOfAnIndex) {
  MemoryRepositories repositories;
  auto& quay = repositories.registry("quay.io");
  const std::string index = quay.push_index("app/multi", "1", {"linux/amd64", "linux/arm64"});
  const auto config = config_of(R"(
registries: [one.example.com]
images:
  - source: quay.io/app/multi:1
    platforms: [linux/arm64]
)");
  ASSERT_TRUE(sync(config, repositories).ok());
  const std::string arm = repositories.registry("one.example.com").tag_digest("app/multi", "1");
  EXPECT_FALSE(arm.empty());
  EXPECT_NE(arm, index);  // the tag names the arm64 manifest, not the index

  auto both = config_of(R"(
registries: [two.example.com]
images:
  - source: quay.io/app/multi:1
    platforms: [linux/amd64, linux/arm64]
)");
  ASSERT_TRUE(sync(both, repositories).ok());
  auto& two = repositories.registry("two.example.com");
  EXPECT_TRUE(two.tags("app/multi").empty());
  EXPECT_TRUE(two.has_manifest("app/multi", arm));

  auto whole =
      config_of("registries: [all.example.com]\nimages: [{source: quay.io/app/multi:1}]\n");
  ASSERT_TRUE(sync(whole, repositories).ok());
  EXPECT_EQ(repositories.registry("all.example.com").tag_digest("app/multi", "1"), index);
  EXPECT_TRUE(repositories.registry("all.example.com").has_manifest("app/multi", arm));
}

TEST(SyncRun, FiftySmallImagesToThreeDestinationsInParallel) {
  MemoryRepositories repositories;
  auto& quay = repositories.registry("quay.io");
  std::string yaml = "registries: [a.example.com, b.example.com, c.example.com]\nimages:\n";
  for (int i = 0; i < 50; ++i) {
    quay.push_image(fmt::format("app/i{}", i), "1", {"base", fmt::format("layer-{}", i)});
    yaml += fmt::format("  - source: quay.io/app/i{}:1\n", i);
  }
  const auto config = config_of(yaml);
  const auto start = std::chrono::steady_clock::now();
  const SyncSummary summary = sync(config, repositories);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  ASSERT_TRUE(summary.ok()) << format_summary(summary);
  for (const auto& d : summary.destinations) EXPECT_EQ(d.images_ok, 50);
  for (const char* host : {"a.example.com", "b.example.com", "c.example.com"}) {
    EXPECT_EQ(repositories.registry(host).tags("app/i49"), (std::vector<std::string>{"1"}));
  }
}

TEST(SyncRun, NoRegistriesIsAnError) {
  transfer::StoreOpener opener(std::filesystem::temp_directory_path() / "regmirror-sync-run-test");
  transfer::NoProgress progress;
  const SyncSummary summary =
      run_sync(config_of("images: [{source: quay.io/a/b:1}]"), {}, opener, progress);
  EXPECT_FALSE(summary.ok());
  EXPECT_NE(format_summary(summary).find("no registries"), std::string::npos);
}

}  // namespace
}  // namespace imagesync
