// LocalRegistryStore over a Registry on the in-memory driver and a SQLite store in a temp
// dir: copies in and out with the copy engine, and what a failed blob write leaves (nothing).
#include "transfer/local_registry_store.h"

#include <gtest/gtest.h>

#include <cstring>
#include <stop_token>

#include "metadata/sqlite_store.h"
#include "storage/memory_driver.h"
#include "testsupport/temp_dir.h"
#include "transfer/copy_image.h"
#include "transfer/layout_store.h"
#include "transfer/test_images.h"

namespace transfer {
namespace {

using testing::Image;
using testing::LayoutWriter;

client::ByteSource source_of(std::string bytes, std::size_t fail_at = std::string::npos) {
  auto pos = std::make_shared<std::size_t>(0);
  return [bytes = std::move(bytes), pos,
          fail_at](std::span<std::byte> buffer) -> oci::Result<std::size_t> {
    if (*pos >= fail_at) return oci::fail(oci::ErrorCode::kInternal, "source broke");
    const std::size_t n = std::min({buffer.size(), bytes.size() - *pos, fail_at - *pos});
    std::memcpy(buffer.data(), bytes.data() + *pos, n);
    *pos += n;
    return n;
  };
}

class LocalRegistryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = metadata::open_sqlite_store(temp_ / "metadata.sqlite");
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    registry_ = std::make_unique<registry::Registry>(*driver_, *store_, registry::Options{});
  }

  LocalRegistryStore open(std::string repository, std::stop_token stop = {}) {
    return LocalRegistryStore(*registry_, *threads_, std::move(repository), std::move(stop));
  }

  std::unique_ptr<LayoutStore> source() {
    auto store = LayoutStore::open(temp_ / "src", LayoutOptions());
    EXPECT_TRUE(store) << store.error().message;
    return std::move(*store);
  }

  // The upload sessions the registry still holds.
  std::size_t uploads() {
    auto listed = driver_->list("uploads");
    return listed ? listed->size() : 0;
  }

  testsupport::TempDir temp_;
  std::unique_ptr<storage::Driver> driver_ = storage::make_memory_driver();
  std::unique_ptr<metadata::Store> store_;
  std::unique_ptr<registry::Registry> registry_;
  // Declared last: its threads are joined before the registry and the store go.
  std::unique_ptr<RegistryThreads> threads_ = std::make_unique<RegistryThreads>(2);
  NoProgress progress_;
};

TEST_F(LocalRegistryStoreTest, CopiesAnImageInWithItsReferrerAndSkipsItTheSecondTime) {
  LayoutWriter writer(temp_ / "src");
  const Image image = writer.image(2, 300'000, 1);
  const Image signature = writer.referrer(image.manifest, 2);
  writer.name(image.manifest, "v1");
  writer.list(signature.manifest);
  auto from = source();
  auto into = open("mirror/app");

  auto first = copy_image(*from, "v1", into, "v1", CopyOptions{}, progress_);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->digest, image.manifest.digest);
  EXPECT_EQ(first->stats.blobs_copied, 5);  // config + 2 layers, and the referrer's 2 blobs

  auto tagged = registry_->get_manifest("mirror/app", "v1");
  ASSERT_TRUE(tagged) << tagged.error().message;
  EXPECT_EQ(tagged->digest, image.manifest.digest);
  EXPECT_EQ(into.list_tags().value(), std::vector<std::string>{"v1"});
  auto referrers = into.referrers(image.manifest.digest);
  ASSERT_TRUE(referrers) << referrers.error().message;
  ASSERT_EQ(referrers->size(), 1u);
  EXPECT_EQ((*referrers)[0].digest, signature.manifest.digest);
  for (const auto& blob : image.blobs) {
    std::string read;
    auto done = into.read_blob(blob, 0, [&](std::span<const std::byte> bytes) {
      read.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      return oci::Result<void>();
    });
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(oci::digest_of(read), blob.digest);
  }

  auto second = copy_image(*from, "v1", into, "v1", CopyOptions{}, progress_);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->stats.blobs_copied, 0);
  EXPECT_EQ(second->stats.blobs_skipped, 5);
  EXPECT_EQ(uploads(), 0u);
}

TEST_F(LocalRegistryStoreTest, CopiesOutToAnotherRepositoryByMounting) {
  LayoutWriter writer(temp_ / "src");
  const Image image = writer.image(1, 1000, 3);
  writer.name(image.manifest, "v1");
  auto from = source();
  auto first = open("a/app");
  ASSERT_TRUE(copy_image(*from, "v1", first, "v1", CopyOptions{}, progress_));

  auto second = open("b/app");
  auto copied = copy_image(first, "v1", second, "latest", CopyOptions{}, progress_);
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied->stats.blobs_mounted, 2);
  EXPECT_EQ(copied->stats.blobs_copied, 0);
  EXPECT_TRUE(second.has_manifest(image.manifest.digest).value());
  EXPECT_TRUE(second.has_blob(image.blobs[1]).value());
}

// The same image from an outside source into a second repository: the bytes the registry
// holds for the first are linked, not copied again.
TEST_F(LocalRegistryStoreTest, BytesStoredForAnotherRepositoryAreLinkedNotCopied) {
  LayoutWriter writer(temp_ / "src");
  const Image image = writer.image(2, 1000, 4);
  writer.name(image.manifest, "v1");
  auto from = source();
  auto first = open("a/app");
  ASSERT_TRUE(copy_image(*from, "v1", first, "v1", CopyOptions{}, progress_));

  auto second = open("b/app");
  auto copied = copy_image(*from, "v1", second, "v1", CopyOptions{}, progress_);
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied->stats.blobs_copied, 0);
  EXPECT_EQ(copied->stats.blobs_mounted, 3);
  EXPECT_TRUE(second.has_blob(image.blobs[2]).value());
}

TEST_F(LocalRegistryStoreTest, AFailedBlobWriteLeavesNothingVisibleAndNoUpload) {
  auto into = open("app");
  const std::string bytes = testing::random_bytes(3'000'000, 7);
  const oci::Descriptor blob = testing::descriptor_of(bytes);
  const oci::Descriptor wrong_size = testing::descriptor_of(bytes, 2'000'000);
  const oci::Descriptor wrong_digest = testing::descriptor_of(bytes.substr(1) + "x");

  struct Case {
    const char* what;
    oci::Descriptor blob;
    client::ByteSource source;
    oci::ErrorCode code;
  };
  std::vector<Case> cases = {
      {"source broke", blob, source_of(bytes, 1'500'000), oci::ErrorCode::kInternal},
      {"more bytes than the size", wrong_size, source_of(bytes), oci::ErrorCode::kSizeInvalid},
      {"fewer bytes than the size", blob, source_of(bytes.substr(10)),
       oci::ErrorCode::kSizeInvalid},
      {"other digest", wrong_digest, source_of(bytes), oci::ErrorCode::kDigestInvalid},
  };
  for (const auto& c : cases) {
    auto written = into.write_blob(c.blob, 0, c.source);
    ASSERT_FALSE(written) << c.what;
    EXPECT_EQ(written.error().code, c.code) << c.what << ": " << written.error().message;
    EXPECT_FALSE(into.has_blob(c.blob).value()) << c.what;
    EXPECT_EQ(uploads(), 0u) << c.what;
  }
  EXPECT_EQ(into.resume_offset(blob).value(), 0);
  ASSERT_TRUE(into.write_blob(blob, 0, source_of(bytes)));
  EXPECT_TRUE(into.has_blob(blob).value());
}

TEST_F(LocalRegistryStoreTest, AManifestWhosePiecesAreMissingIsRefused) {
  LayoutWriter writer(temp_ / "src");
  const Image image = writer.image(1, 100, 4);
  auto into = open("app");
  auto body = source()->get_manifest(image.manifest.digest.str());
  ASSERT_TRUE(body) << body.error().message;
  auto put = into.put_manifest(body->body, body->media_type, body->digest, "v1");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, oci::ErrorCode::kManifestBlobUnknown) << put.error().message;
  EXPECT_FALSE(into.has_manifest(image.manifest.digest).value());
  EXPECT_FALSE(into.get_manifest("v1"));
}

TEST_F(LocalRegistryStoreTest, AfterAStopRequestEveryCallFails) {
  std::stop_source stop;
  auto into = open("app", stop.get_token());
  const std::string bytes = testing::random_bytes(100, 8);
  stop.request_stop();
  auto written = into.write_blob(testing::descriptor_of(bytes), 0, source_of(bytes));
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("shutting down"), std::string::npos);
  EXPECT_FALSE(into.list_tags());
  EXPECT_EQ(uploads(), 0u);
}

}  // namespace
}  // namespace transfer
