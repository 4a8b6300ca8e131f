// Garbage collection runs and claims, over the in-memory driver and a SQLite store.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "metadata/sqlite_store.h"
#include "oci/media_type.h"
#include "registry/paths.h"
#include "registry/registry.h"
#include "storage/filesystem_driver.h"
#include "storage/memory_driver.h"

namespace registry {
namespace {

using namespace std::chrono_literals;
using oci::ErrorCode;

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

// The in-memory driver, with a hook that runs before each removal (a concurrent request) and
// paths whose removal fails (a storage error).
class HookedDriver final : public storage::Driver {
 public:
  std::function<void(std::string_view path)> before_remove = [](std::string_view) {};
  std::set<std::string, std::less<>> failing;

  storage::Result<storage::FileInfo> stat(std::string_view path) override {
    return inner_->stat(path);
  }
  storage::Result<std::unique_ptr<storage::Reader>> reader(std::string_view path,
                                                           std::uint64_t offset) override {
    return inner_->reader(path, offset);
  }
  storage::Result<std::unique_ptr<storage::Writer>> writer(std::string_view path,
                                                           std::uint64_t keep) override {
    return inner_->writer(path, keep);
  }
  storage::Result<void> put_content(std::string_view path, std::string_view content) override {
    return inner_->put_content(path, content);
  }
  storage::Result<std::string> get_content(std::string_view path, std::uint64_t max_size) override {
    return inner_->get_content(path, max_size);
  }
  storage::Result<void> move(std::string_view from, std::string_view to) override {
    return inner_->move(from, to);
  }
  storage::Result<void> remove(std::string_view path) override {
    before_remove(path);
    if (failing.contains(path)) return sys::fail(sys::Errc::kIo, "injected failure");
    return inner_->remove(path);
  }
  storage::Result<std::vector<std::string>> list(std::string_view directory) override {
    return inner_->list(directory);
  }

 private:
  std::unique_ptr<storage::Driver> inner_ = storage::make_memory_driver();
};

class GcTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("regmirror-gc-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    store_ = std::move(*metadata::open_sqlite_store(dir_ / "metadata.sqlite"));
    registry_ = std::make_unique<Registry>(*driver_, *store_, Options{});
  }
  void TearDown() override {
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string push_blob(const std::string& repo, std::string_view content) {
    auto upload = registry_->start_upload(repo);
    EXPECT_TRUE(upload);
    auto appender = registry_->append_upload(repo, upload->id, std::nullopt);
    EXPECT_TRUE(appender);
    EXPECT_TRUE((*appender)->write(bytes(content)));
    const std::string digest = oci::digest_of(content).str();
    auto blob = registry_->complete_upload(repo, std::move(*appender), digest);
    EXPECT_TRUE(blob) << (blob ? "" : blob.error().message);
    return digest;
  }

  // Pushes an image of a config and a layer made of `seed`; its manifest's digest.
  std::string push_image(const std::string& repo, const std::string& seed,
                         const std::string& reference) {
    const std::string config = "{\"seed\":\"" + seed + "\"}";
    const std::string layer = "layer of " + seed;
    nlohmann::json m = {{"schemaVersion", 2},
                        {"mediaType", oci::media_type::kOciManifest},
                        {"config",
                         {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                          {"digest", push_blob(repo, config)},
                          {"size", config.size()}}},
                        {"layers",
                         {{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                           {"digest", push_blob(repo, layer)},
                           {"size", layer.size()}}}}};
    const std::string body = m.dump();
    const std::string digest = oci::digest_of(body).str();
    auto put = registry_->put_manifest(repo, reference.empty() ? digest : reference,
                                       oci::media_type::kOciManifest, body);
    EXPECT_TRUE(put) << (put ? "" : put.error().message);
    return digest;
  }

  bool stored(std::string_view content) {
    return driver_->stat(blob_path(oci::digest_of(content))).has_value();
  }

  // A negative grace puts the cutoff in the future: everything just made is old enough.
  GcOptions everything_old() {
    GcOptions options;
    options.grace = -10s;
    return options;
  }

  std::filesystem::path dir_;
  std::unique_ptr<HookedDriver> driver_ = std::make_unique<HookedDriver>();
  std::unique_ptr<metadata::Store> store_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(GcTest, RemovesUntaggedManifestsAndWhatOnlyTheyReferenced) {
  const std::string kept = push_image("app", "kept", "v1");
  const std::string untagged = push_image("app", "untagged", "");
  auto report = registry_->collect_garbage(everything_old());
  ASSERT_TRUE(report) << report.error().message;

  EXPECT_EQ(report->manifests_removed, 1u);
  EXPECT_EQ(report->manifests, std::vector<std::string>{"app@" + untagged});
  EXPECT_EQ(report->links_removed, 2u);  // its config and layer
  EXPECT_EQ(report->blobs_removed, 3u);  // those and its own bytes
  EXPECT_FALSE(registry_->get_manifest("app", untagged));
  EXPECT_FALSE(stored("layer of untagged"));
  EXPECT_FALSE(stored("{\"seed\":\"untagged\"}"));
  EXPECT_FALSE(driver_->stat(blob_path(*oci::Digest::parse(untagged))));

  ASSERT_TRUE(registry_->get_manifest("app", "v1"));
  EXPECT_TRUE(stored("layer of kept"));
  EXPECT_TRUE(registry_->stat_blob("app", oci::digest_of("layer of kept").str()));
  EXPECT_TRUE(driver_->stat(blob_path(*oci::Digest::parse(kept))));

  auto runs = store_->gc_runs(10);
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().manifests_removed, 1u);
  EXPECT_EQ(runs->front().blobs_removed, 3u);
  EXPECT_EQ(runs->front().error, "");
}

TEST_F(GcTest, DryRunReportsWithoutRemoving) {
  push_image("app", "kept", "v1");
  const std::string untagged = push_image("app", "untagged", "");
  ASSERT_TRUE(store_->unlink_blob("app", oci::digest_of("layer of kept").str()));
  GcOptions options = everything_old();
  options.dry_run = true;
  auto report = registry_->collect_garbage(options);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->dry_run);
  EXPECT_EQ(report->manifests_removed, 1u);
  EXPECT_EQ(report->links_removed, 2u);

  EXPECT_TRUE(registry_->get_manifest("app", untagged));
  EXPECT_TRUE(stored("layer of untagged"));
  EXPECT_TRUE(registry_->stat_blob("app", oci::digest_of("layer of untagged").str()));
  EXPECT_TRUE(stored("layer of kept"));  // still referenced by v1's manifest
}

TEST_F(GcTest, GraceKeepsWhatIsRecent) {
  const std::string untagged = push_image("app", "untagged", "");
  push_blob("app", "a blob no manifest uses yet");
  auto report = registry_->collect_garbage(GcOptions{});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->manifests_removed + report->blobs_removed + report->links_removed, 0u);
  EXPECT_TRUE(registry_->get_manifest("app", untagged));
}

TEST_F(GcTest, ExemptRepositoriesKeepUntaggedManifests) {
  const std::string cached = push_image("docker.io/library/alpine", "pulled", "");
  GcOptions options = everything_old();
  options.exempt = [](std::string_view repository) { return repository.starts_with("docker.io/"); };
  auto report = registry_->collect_garbage(options);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->manifests_removed, 0u);
  EXPECT_TRUE(registry_->get_manifest("docker.io/library/alpine", cached));
  EXPECT_TRUE(stored("layer of pulled"));
}

TEST_F(GcTest, AManifestNeedsItsBlobsLinkedWhenRecorded) {
  const std::string layer = push_blob("app", "layer");
  ASSERT_TRUE(store_->unlink_blob("app", layer));
  nlohmann::json m = {
      {"schemaVersion", 2},
      {"mediaType", oci::media_type::kOciManifest},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", layer}, {"size", 5}}},
      {"layers", nlohmann::json::array()}};
  auto put = registry_->put_manifest("app", "v1", oci::media_type::kOciManifest, m.dump());
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kManifestBlobUnknown);
  EXPECT_EQ(put.error().detail, layer);
}

TEST_F(GcTest, ARunLeftDeletingIsFinishedByTheNext) {
  const std::string digest = push_blob("app", "orphan");
  ASSERT_TRUE(store_->unlink_blob("app", digest));
  // A run that marked the blob and died before removing its bytes.
  auto marked = store_->mark_garbage_blobs(std::numeric_limits<std::int64_t>::max(), 10);
  ASSERT_TRUE(marked);
  ASSERT_EQ(marked->size(), 1u);
  auto report = registry_->collect_garbage(GcOptions{});  // a grace protects nothing marked
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->blobs, std::vector<std::string>{digest});
  EXPECT_FALSE(stored("orphan"));
  EXPECT_EQ(store_->deleting_blobs("", 10)->size(), 0u);
}

TEST_F(GcTest, AClaimFinishesADeadRunsDeletionThenStoresTheBytesAgain) {
  const std::string digest = push_blob("app", "pushed twice");
  ASSERT_TRUE(store_->unlink_blob("app", digest));
  ASSERT_TRUE(store_->mark_garbage_blobs(std::numeric_limits<std::int64_t>::max(), 10));
  // Nobody holds the lease: the push finishes the deletion, then stores its bytes anew.
  EXPECT_EQ(push_blob("app", "pushed twice"), digest);
  EXPECT_TRUE(stored("pushed twice"));
  EXPECT_TRUE(registry_->stat_blob("app", digest));
  EXPECT_EQ(store_->deleting_blobs("", 10)->size(), 0u);
}

TEST_F(GcTest, AClaimWaitsWhileARunHoldsTheLease) {
  const std::string digest = push_blob("app", "mounted");
  ASSERT_TRUE(store_->unlink_blob("app", digest));
  ASSERT_TRUE(store_->acquire_lease(std::string(kGcLease), "a running gc", 60s));
  ASSERT_TRUE(store_->mark_garbage_blobs(std::numeric_limits<std::int64_t>::max(), 10));
  // The run removes the bytes and forgets the row a moment later.
  std::thread run([&] {
    std::this_thread::sleep_for(200ms);
    ASSERT_TRUE(driver_->remove(blob_path(*oci::Digest::parse(digest))));
    ASSERT_TRUE(store_->forget_blob(digest));
  });
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(push_blob("app", "mounted"), digest);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms);
  run.join();
  EXPECT_TRUE(stored("mounted"));
  EXPECT_TRUE(registry_->stat_blob("app", digest));
}

TEST_F(GcTest, OneRunAtATime) {
  ASSERT_TRUE(store_->acquire_lease(std::string(kGcLease), "another replica", 60s));
  auto report = registry_->collect_garbage(GcOptions{});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kTooManyRequests);
}

TEST_F(GcTest, BytesNothingRecordedAreRemovedAfterTheGrace) {
  const oci::Digest digest = oci::digest_of("written by a writer that died");
  ASSERT_TRUE(driver_->put_content(blob_path(digest), "written by a writer that died"));
  auto kept = registry_->collect_garbage(GcOptions{});
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->leftovers_removed, 0u);
  auto report = registry_->collect_garbage(everything_old());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->leftovers_removed, 1u);
  EXPECT_FALSE(driver_->stat(blob_path(digest)));
}

TEST_F(GcTest, APushFinishingWhileALeftoverIsRemovedWaitsForIt) {
  const oci::Digest digest = oci::digest_of("left by a writer that died, pushed again now");
  ASSERT_TRUE(
      driver_->put_content(blob_path(digest), "left by a writer that died, pushed again now"));
  // The push claims the blob just as the run removes the leftover bytes: it must be told to
  // wait (the row is 'deleting'), not find the bytes in place and link them.
  std::optional<Result<bool>> claimed;
  driver_->before_remove = [&](std::string_view path) {
    if (path == blob_path(digest)) claimed = store_->claim_blob(digest.str(), 44);
  };
  auto report = registry_->collect_garbage(everything_old());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->leftovers_removed, 1u);
  ASSERT_TRUE(claimed && *claimed);
  EXPECT_FALSE(**claimed);
  EXPECT_EQ(store_->deleting_blobs("", 10)->size(), 0u);  // forgotten once the bytes were gone
}

TEST_F(GcTest, ABlobWhoseRemovalFailsIsSkippedAndTriedAgainByTheNextRun) {
  const std::string stuck = push_blob("app", "stuck");
  const std::string other = push_blob("app", "other");
  for (const std::string& digest : {stuck, other}) ASSERT_TRUE(store_->unlink_blob("app", digest));
  driver_->failing.insert(blob_path(*oci::Digest::parse(stuck)));
  auto report = registry_->collect_garbage(everything_old());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->blobs, std::vector<std::string>{other});
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_NE(report->errors[0].find(stuck), std::string::npos) << report->errors[0];
  EXPECT_TRUE(stored("stuck"));
  EXPECT_FALSE(stored("other"));

  // Still failing, it does not hold up the next run's other blobs.
  const std::string later = push_blob("app", "later");
  ASSERT_TRUE(store_->unlink_blob("app", later));
  report = registry_->collect_garbage(everything_old());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->blobs, std::vector<std::string>{later});
  EXPECT_EQ(report->errors.size(), 1u);

  driver_->failing.clear();
  report = registry_->collect_garbage(GcOptions{});  // a grace protects nothing marked
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->blobs, std::vector<std::string>{stuck});
  EXPECT_TRUE(report->errors.empty());
  EXPECT_FALSE(stored("stuck"));
}

TEST_F(GcTest, AStoppedRunEndsAtItsNextRemovalAndIsRecordedAsInterrupted) {
  std::vector<std::string> garbage;
  for (const char* content : {"one", "two", "three"}) {
    garbage.push_back(push_blob("app", content));
    ASSERT_TRUE(store_->unlink_blob("app", garbage.back()));
  }
  std::stop_source stop;
  driver_->before_remove = [&](std::string_view) { stop.request_stop(); };
  GcOptions options = everything_old();
  options.stop = stop.get_token();
  auto report = registry_->collect_garbage(options);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->interrupted);
  EXPECT_EQ(report->blobs_removed, 1u);  // the removal under way when the stop came
  auto runs = store_->gc_runs(1);
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().blobs_removed, 1u);
  EXPECT_NE(runs->front().error.find("interrupted"), std::string::npos) << runs->front().error;
  auto taken = store_->acquire_lease(std::string(kGcLease), "the next run", 10s);
  ASSERT_TRUE(taken);
  EXPECT_TRUE(*taken);  // given up
}

TEST(GcOnFiles, TemporaryFilesOfUnfinishedWritesAreRemovedAfterTheGrace) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("regmirror-gc-files-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "blobs" / "sha256" / "ab");
  std::ofstream(dir / "blobs" / "sha256" / "ab" / ".tmp~1-1") << "a manifest never renamed";
  auto driver = storage::make_filesystem_driver(dir);
  auto store = metadata::open_sqlite_store(dir / "metadata.sqlite");
  ASSERT_TRUE(store);
  Registry registry(*driver, **store, Options{});
  auto young = registry.collect_garbage(GcOptions{});
  ASSERT_TRUE(young) << young.error().message;
  EXPECT_EQ(young->leftovers_removed, 0u);
  GcOptions options;
  options.grace = -10s;
  auto report = registry.collect_garbage(options);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->leftovers_removed, 1u);
  EXPECT_FALSE(std::filesystem::exists(dir / "blobs" / "sha256" / "ab" / ".tmp~1-1"));
  std::filesystem::remove_all(dir);
}

// Keeps the tags named `keep` in every repository; removes the rest.
std::vector<RetentionRule> keep_only(std::set<std::string> keep) {
  return {RetentionRule{
      .repositories = "**",
      .applies = [](std::string_view) { return true; },
      .criteria = {.keep_tags =
                       [keep = std::move(keep)](std::string_view tag) {
                         return keep.contains(std::string(tag));
                       }},
  }};
}

TEST_F(GcTest, RetentionRemovesTagsAndTheSameRunFreesTheirBytes) {
  push_image("app", "kept", "v1");
  const std::string dropped = push_image("app", "dropped", "v0");
  GcOptions options = everything_old();
  options.retention = keep_only({"v1"});

  options.dry_run = true;
  auto dry = registry_->collect_garbage(options);
  ASSERT_TRUE(dry) << dry.error().message;
  ASSERT_EQ(dry->tags_removed.size(), 1u);
  EXPECT_EQ(dry->tags_removed[0].tag, "v0");
  EXPECT_EQ(dry->manifests, std::vector<std::string>{"app@" + dropped});  // counted as untagged
  EXPECT_TRUE(registry_->get_manifest("app", "v0"));

  options.dry_run = false;
  auto report = registry_->collect_garbage(options);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->tags_removed.size(), 1u);
  EXPECT_EQ(report->tags_removed[0].repository, "app");
  EXPECT_EQ(report->tags_removed[0].digest, dropped);
  EXPECT_EQ(report->manifests, std::vector<std::string>{"app@" + dropped});
  EXPECT_FALSE(registry_->get_manifest("app", "v0"));
  EXPECT_FALSE(stored("layer of dropped"));
  EXPECT_TRUE(registry_->get_manifest("app", "v1"));
  EXPECT_TRUE(stored("layer of kept"));
}

TEST_F(GcTest, ARunWritesTheLatestPullsBeforeApplyingRetention) {
  const std::string pulled = push_image("app", "pulled", "v1");
  push_image("app", "never", "v2");
  PullRecorder pulls(*store_, 0ms);  // written only by flush
  pulls.record("app", pulled);
  GcOptions options = everything_old();
  options.retention = {RetentionRule{
      .repositories = "app",
      .applies = [](std::string_view) { return true; },
      .criteria = {.keep_pulled_within = 1h},
  }};
  options.pulls = &pulls;
  auto report = registry_->collect_garbage(options);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->tags_removed.size(), 1u);
  EXPECT_EQ(report->tags_removed[0].tag, "v2");
  EXPECT_TRUE(registry_->get_manifest("app", "v1"));
}

TEST_F(GcTest, ApplyingRetentionRemovesOnlyTags) {
  push_image("app", "kept", "v1");
  const std::string dropped = push_image("app", "dropped", "v0");
  push_image("other", "other", "v0");
  auto rules = keep_only({"v1"});
  rules[0].applies = [](std::string_view repository) { return repository == "app"; };

  auto dry = registry_->apply_retention(rules, true);
  ASSERT_TRUE(dry) << dry.error().message;
  EXPECT_EQ(dry->removed.size(), 1u);
  EXPECT_TRUE(registry_->get_manifest("app", "v0"));

  auto report = registry_->apply_retention(rules, false);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->removed.size(), 1u);
  EXPECT_EQ(report->removed[0].tag, "v0");
  EXPECT_EQ(report->tags_kept, 1u);
  EXPECT_FALSE(registry_->get_manifest("app", "v0"));
  EXPECT_TRUE(registry_->get_manifest("app", dropped));  // GC's to remove
  EXPECT_TRUE(registry_->get_manifest("other", "v0"));   // no rule applies
}

}  // namespace
}  // namespace registry
