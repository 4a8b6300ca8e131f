#include "sync/archive.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "oci/attachment_tag.h"
#include "sync/sync_test_store.h"
#include "transfer/layout_index.h"

namespace imagesync {
namespace {

using testing::config_of;
using testing::MemoryRepositories;
namespace fs = std::filesystem;

std::vector<std::string> index_names(const fs::path& dir) {
  std::ifstream in(dir / "index.json");
  std::ostringstream text;
  text << in.rdbuf();
  auto index = transfer::LayoutIndex::parse(text.str());
  EXPECT_TRUE(index.has_value());
  auto names = index ? index->names() : std::vector<std::string>{};
  std::sort(names.begin(), names.end());
  return names;
}

std::set<std::string> blob_files(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir / "blobs" / "sha256")) {
    out.insert(entry.path().filename().string());
  }
  return out;
}

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("regmirror-archive-test-" +
             std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    auto& quay = sources_.registry("quay.io");
    v1_ = quay.push_image("app/api", "v1", {"base", "api-1"});
    quay.push_image("app/web", "1.0", {"base", "web-1"});
  }
  void TearDown() override { fs::remove_all(root_); }

  SyncSummary to_dir(const std::string& yaml, const fs::path& dir,
                     std::vector<fs::path> since = {}) {
    ArchiveOptions options;
    options.since = std::move(since);
    transfer::NoProgress progress;
    return archive_to_dir(config_of(yaml), dir, options, sources_, progress);
  }
  SyncSummary from_dir(const fs::path& dir, MemoryRepositories& target,
                       const char* destination = "mirror.example.com/m") {
    transfer::NoProgress progress;
    return archive_from_dir(dir, *Destination::parse(destination), {}, ArchiveOptions{}, target,
                            progress);
  }

  fs::path root_;
  MemoryRepositories sources_;
  std::string v1_;
};

const char* kFirstSet = R"(
images:
  - source: quay.io/app/api
  - source: quay.io/app/web:1.0
)";

TEST_F(ArchiveTest, OneLayoutNamesEveryImageByItsSourceAndStoresBlobsOnce) {
  const SyncSummary summary =
      to_dir(std::string(kFirstSet) + "  - source: quay.io/app/api@" + v1_ + "\n", root_ / "first");
  ASSERT_TRUE(summary.ok()) << format_summary(summary);
  EXPECT_EQ(summary.destinations[0].images_ok, 3);
  EXPECT_EQ(index_names(root_ / "first"),
            (std::vector<std::string>{"quay.io/app/api:v1", "quay.io/app/api@" + v1_,
                                      "quay.io/app/web:1.0"}));
  // base and the config (both images share them), api-1, web-1, two manifests.
  EXPECT_EQ(blob_files(root_ / "first").size(), 6u);
}

TEST_F(ArchiveTest, SinceLeavesOutWhatTheEarlierArchiveHoldsAndLoadsInOrder) {
  ASSERT_TRUE(to_dir(kFirstSet, root_ / "first").ok());
  sources_.registry("quay.io").push_image("app/api", "v2", {"base", "api-2"});
  const SyncSummary second = to_dir(kFirstSet, root_ / "second", {root_ / "first"});
  ASSERT_TRUE(second.ok()) << format_summary(second);
  EXPECT_EQ(index_names(root_ / "second"),
            (std::vector<std::string>{"quay.io/app/api:v1", "quay.io/app/api:v2",
                                      "quay.io/app/web:1.0"}));
  const auto first_blobs = blob_files(root_ / "first");
  const auto second_blobs = blob_files(root_ / "second");
  for (const auto& blob : second_blobs) {
    // Nothing the first holds is written again, named manifests included.
    EXPECT_FALSE(first_blobs.contains(blob)) << blob;
  }
  EXPECT_FALSE(second_blobs.contains(std::string(oci::digest_of("base").hex())));
  EXPECT_TRUE(second_blobs.contains(std::string(oci::digest_of("api-2").hex())));

  // The second alone into an empty registry: what only the first holds is missing.
  MemoryRepositories empty;
  const SyncSummary alone = from_dir(root_ / "second", empty);
  EXPECT_FALSE(alone.ok());
  ASSERT_EQ(alone.destinations[0].failures.size(), 3u) << format_summary(alone);
  for (const auto& failure : alone.destinations[0].failures) {
    EXPECT_TRUE(failure.error.starts_with("blob sha256:") || failure.error.starts_with("manifest "))
        << failure.error;
    EXPECT_NE(failure.error.find("in neither this archive nor memory://mirror.example.com/m/app/"),
              std::string::npos)
        << failure.error;
  }

  // In order: first, then second. Then again: every image already there.
  MemoryRepositories target;
  const SyncSummary load_first = from_dir(root_ / "first", target);
  ASSERT_TRUE(load_first.ok()) << format_summary(load_first);
  EXPECT_EQ(load_first.destinations[0].images_ok, 2);
  const SyncSummary load_second = from_dir(root_ / "second", target);
  ASSERT_TRUE(load_second.ok()) << format_summary(load_second);
  EXPECT_EQ(load_second.destinations[0].images_ok, 1);
  EXPECT_EQ(load_second.destinations[0].images_skipped, 2);
  auto& mirror = target.registry("mirror.example.com");
  EXPECT_EQ(mirror.tags("m/app/api"), (std::vector<std::string>{"v1", "v2"}));
  EXPECT_EQ(mirror.tag_digest("m/app/api", "v1"), v1_);
  const SyncSummary again = from_dir(root_ / "second", target);
  EXPECT_TRUE(again.nothing_copied()) << format_summary(again);
  EXPECT_EQ(again.destinations[0].images_skipped, 3);
}

TEST_F(ArchiveTest, AttachmentTagsTravelThroughTheArchiveWithTheirImage) {
  const std::string sig_tag = oci::attachment_tag(v1_, "sig");
  const std::string signature =
      sources_.registry("quay.io").push_image("app/api", sig_tag, {"signature"});
  const SyncSummary written = to_dir("images:\n  - source: quay.io/app/api:v1\n", root_ / "a");
  ASSERT_TRUE(written.ok()) << format_summary(written);
  EXPECT_EQ(index_names(root_ / "a"),
            (std::vector<std::string>{"quay.io/app/api:" + sig_tag, "quay.io/app/api:v1"}));

  MemoryRepositories target;
  const SyncSummary loaded = from_dir(root_ / "a", target);
  ASSERT_TRUE(loaded.ok()) << format_summary(loaded);
  EXPECT_EQ(loaded.destinations[0].images_ok, 1);  // the signature is not an image
  auto& mirror = target.registry("mirror.example.com");
  EXPECT_EQ(mirror.tag_digest("m/app/api", sig_tag), signature);
  EXPECT_EQ(mirror.tag_digest("m/app/api", "v1"), v1_);
  const auto pairs = archive_mirrors(root_ / "a", *Destination::parse("mirror.example.com/m"), {});
  ASSERT_TRUE(pairs);
  EXPECT_EQ(pairs->pairs.size(), 1u);
}

// The destination's own signatures (one regmirror made there) stay: the archive's are added to
// its attachment, as containers/image copies signatures.
TEST_F(ArchiveTest, ArchivedSignaturesAreMergedIntoTheDestinationsAttachment) {
  const std::string sig_tag = oci::attachment_tag(v1_, "sig");
  sources_.registry("quay.io").push_image("app/api", sig_tag, {"signature"});
  ASSERT_TRUE(to_dir("images:\n  - source: quay.io/app/api:v1\n", root_ / "a").ok());

  MemoryRepositories target;
  auto& mirror = target.registry("mirror.example.com");
  mirror.push_image("m/app/api", sig_tag, {"our signature"});
  const SyncSummary loaded = from_dir(root_ / "a", target);
  ASSERT_TRUE(loaded.ok()) << format_summary(loaded);
  auto store = mirror.open("m/app/api");
  auto attachment = store->get_manifest(sig_tag);
  ASSERT_TRUE(attachment) << attachment.error().message;
  const auto layers = nlohmann::json::parse(attachment->body)["layers"];
  ASSERT_EQ(layers.size(), 2u) << attachment->body;
  EXPECT_EQ(layers[0]["digest"], oci::digest_of("our signature").str());
  EXPECT_EQ(layers[1]["digest"], oci::digest_of("signature").str());

  // Loading the archive again adds nothing.
  const SyncSummary again = from_dir(root_ / "a", target);
  ASSERT_TRUE(again.ok()) << format_summary(again);
  EXPECT_EQ(mirror.tag_digest("m/app/api", sig_tag), attachment->digest.str());
}

TEST_F(ArchiveTest, ChildManifestsOfTheEarlierArchiveComeFromTheDestination) {
  auto& quay = sources_.registry("quay.io");
  quay.push_index("app/multi", "1", {"linux/amd64", "linux/arm64"});
  const char* set = "images: [{source: quay.io/app/multi}]";
  ASSERT_TRUE(to_dir(set, root_ / "first").ok());
  // The same two platform images plus a third: two of the children are in the first archive.
  const std::string v2 =
      quay.push_index("app/multi", "2", {"linux/amd64", "linux/arm64", "linux/s390x"});
  ASSERT_TRUE(to_dir(set, root_ / "second", {root_ / "first"}).ok());

  MemoryRepositories empty;
  const SyncSummary alone = from_dir(root_ / "second", empty);
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(format_summary(alone).find("in neither this archive nor"), std::string::npos)
      << format_summary(alone);

  MemoryRepositories target;
  ASSERT_TRUE(from_dir(root_ / "first", target).ok());
  const SyncSummary second = from_dir(root_ / "second", target);
  ASSERT_TRUE(second.ok()) << format_summary(second);
  EXPECT_EQ(target.registry("mirror.example.com").tag_digest("m/app/multi", "2"), v2);
}

TEST_F(ArchiveTest, ACorruptBlobIsRefusedOnTheWayIn) {
  ASSERT_TRUE(to_dir("images: [{source: quay.io/app/web:1.0}]", root_ / "a").ok());
  const auto blob = root_ / "a" / "blobs" / "sha256" / std::string(oci::digest_of("web-1").hex());
  ASSERT_TRUE(fs::exists(blob));
  { std::ofstream(blob, std::ios::trunc) << "webx1"; }
  MemoryRepositories target;
  const SyncSummary summary = from_dir(root_ / "a", target);
  EXPECT_FALSE(summary.ok());
  EXPECT_NE(format_summary(summary).find("digest"), std::string::npos) << format_summary(summary);
  EXPECT_TRUE(target.registry("mirror.example.com").tags("m/app/web").empty());
}

TEST_F(ArchiveTest, PlatformImagesAreNamedByTheirDigest) {
  const std::string index =
      sources_.registry("quay.io").push_index("app/multi", "2", {"linux/amd64", "linux/arm64"});
  const SyncSummary summary = to_dir(R"(
images:
  - source: quay.io/app/multi:2
    platforms: [linux/amd64, linux/arm64]
)",
                                     root_ / "p");
  ASSERT_TRUE(summary.ok()) << format_summary(summary);
  const auto names = index_names(root_ / "p");
  ASSERT_EQ(names.size(), 2u);
  for (const auto& name : names) {
    EXPECT_TRUE(name.starts_with("quay.io/app/multi@sha256:")) << name;
    EXPECT_NE(name, "quay.io/app/multi@" + index);
  }
}

TEST_F(ArchiveTest, NotALayoutIsAClearError) {
  MemoryRepositories target;
  const SyncSummary summary = from_dir(root_ / "nothing-here", target);
  EXPECT_FALSE(summary.ok());
  EXPECT_NE(format_summary(summary).find("not an OCI layout"), std::string::npos);
  const SyncSummary since = to_dir(kFirstSet, root_ / "x", {root_ / "nothing-here"});
  EXPECT_NE(format_summary(since).find("--since"), std::string::npos);
}

}  // namespace
}  // namespace imagesync
