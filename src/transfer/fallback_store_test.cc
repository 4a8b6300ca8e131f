#include "transfer/fallback_store.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "transfer/copy_image.h"
#include "transfer/layout_store.h"
#include "transfer/test_images.h"

namespace transfer {
namespace {

using testing::Image;
using testing::LayoutWriter;
using testing::TempDir;

std::unique_ptr<ImageStore> layout(const std::filesystem::path& directory) {
  auto store = LayoutStore::open(directory);
  EXPECT_TRUE(store) << store.error().message;
  return std::move(*store);
}

CopyOptions all_platforms() {
  CopyOptions options;
  options.all = true;
  return options;
}

bool contains(const std::vector<std::string>& lines, std::string_view text) {
  return std::ranges::any_of(
      lines, [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

// Reads like `inner` but fails every blob read after `fail_after` bytes.
class FlakyStore final : public ImageStore {
 public:
  FlakyStore(std::unique_ptr<ImageStore> inner, std::int64_t fail_after)
      : inner_(std::move(inner)), fail_after_(fail_after) {}
  std::string describe() const override { return "flaky"; }
  oci::Result<client::FetchedManifest> get_manifest(std::string_view reference) override {
    return inner_->get_manifest(reference);
  }
  oci::Result<std::vector<std::string>> list_tags() override { return inner_->list_tags(); }
  oci::Result<std::vector<oci::Descriptor>> referrers(const oci::Digest& subject) override {
    return inner_->referrers(subject);
  }
  oci::Result<void> read_blob(const oci::Descriptor& blob, std::int64_t offset,
                              const client::ByteSink& sink) override {
    ++reads;
    std::int64_t sent = 0;
    auto read = inner_->read_blob(blob, offset, [&](std::span<const std::byte> bytes) {
      const auto n =
          std::min<std::int64_t>(static_cast<std::int64_t>(bytes.size()), fail_after_ - sent);
      if (n > 0) {
        if (auto ok = sink(bytes.first(static_cast<std::size_t>(n))); !ok) return ok;
        sent += n;
      }
      if (sent >= fail_after_)
        return oci::Result<void>(oci::fail(oci::ErrorCode::kInternal, "reset"));
      return oci::Result<void>();
    });
    return read;
  }
  oci::Result<bool> has_manifest(const oci::Digest&) override { return false; }
  oci::Result<void> put_manifest(std::string_view, std::string_view, const oci::Digest&,
                                 std::string_view) override {
    return {};
  }
  oci::Result<bool> has_blob(const oci::Descriptor&) override { return false; }
  oci::Result<bool> mount_blob(const oci::Descriptor&, const ImageStore&) override { return false; }
  oci::Result<std::int64_t> resume_offset(const oci::Descriptor&) override { return 0; }
  oci::Result<void> write_blob(const oci::Descriptor&, std::int64_t,
                               const client::ByteSource&) override {
    return {};
  }
  int reads = 0;

 private:
  std::unique_ptr<ImageStore> inner_;
  std::int64_t fail_after_;
};

class FallbackStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The origin holds everything; the mirror has the tag and the index, but lacks the arm64
    // child manifest and one amd64 layer.
    origin_.name(index_, "v1");
    std::filesystem::copy(temp_ / "origin", temp_ / "mirror",
                          std::filesystem::copy_options::recursive);
    const auto in_mirror = [&](const oci::Digest& digest) {
      return temp_ / "mirror" / "blobs" / "sha256" / std::string(digest.hex());
    };
    ASSERT_TRUE(std::filesystem::remove(in_mirror(arm64_.manifest.digest)));
    ASSERT_TRUE(std::filesystem::remove(in_mirror(amd64_.blobs[2].digest)));
  }

  std::unique_ptr<FallbackStore> fallback(std::unique_ptr<ImageStore> first) {
    std::vector<FallbackStore::Source> sources;
    sources.push_back({"mirror.example/ns/app", std::move(first)});
    sources.push_back({"quay.io/ns/app", layout(temp_ / "origin")});
    return std::make_unique<FallbackStore>(std::move(sources), [this](std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    });
  }

  TempDir temp_;
  LayoutWriter origin_{temp_ / "origin"};
  Image amd64_ = origin_.image(2, 300'000, 1);
  Image arm64_ = origin_.image(1, 1000, 2);
  oci::Descriptor index_ =
      origin_.index({{amd64_.manifest, "linux/amd64"}, {arm64_.manifest, "linux/arm64"}});
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

TEST_F(FallbackStoreTest, TakesEachMissingPieceFromTheNextSource) {
  auto source = fallback(layout(temp_ / "mirror"));
  auto destination = LayoutStore::open(temp_ / "dst", testing::creating());
  ASSERT_TRUE(destination);
  NoProgress quiet;
  auto copied = copy_image(*source, "v1", **destination, "v1", all_platforms(), quiet);
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied->digest, index_.digest);
  EXPECT_EQ(copied->stats.manifests, 3);

  EXPECT_TRUE(contains(lines_, "manifest v1 from mirror.example/ns/app"));
  EXPECT_TRUE(
      contains(lines_, "manifest " + amd64_.manifest.digest.str() + " from mirror.example"));
  EXPECT_TRUE(
      contains(lines_, "manifest " + arm64_.manifest.digest.str() + " from quay.io/ns/app"));
  EXPECT_TRUE(contains(lines_, "blob " + amd64_.blobs[2].digest.str() + " from quay.io/ns/app"));
  EXPECT_TRUE(contains(lines_, "blob " + amd64_.blobs[1].digest.str() + " from mirror.example"));
  EXPECT_TRUE(
      contains(lines_, "mirror.example/ns/app: blob " + amd64_.blobs[2].digest.str() + " failed"));
}

TEST_F(FallbackStoreTest, ABlobCutOffMidwayContinuesFromTheNextSourceAtThatByte) {
  auto flaky = std::make_unique<FlakyStore>(layout(temp_ / "origin"), 100'000);
  FlakyStore* flaky_view = flaky.get();
  auto source = fallback(std::move(flaky));
  const oci::Descriptor& blob = amd64_.blobs[1];

  oci::DigestHasher hasher;
  std::int64_t size = 0;
  auto read = source->read_blob(blob, 0, [&](std::span<const std::byte> bytes) {
    hasher.update(bytes);
    size += static_cast<std::int64_t>(bytes.size());
    return oci::Result<void>();
  });
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(size, blob.size);
  EXPECT_EQ(hasher.finish(), blob.digest);
  EXPECT_EQ(flaky_view->reads, 1);
  EXPECT_TRUE(contains(lines_, "failed after 100000 bytes"));
  EXPECT_TRUE(contains(lines_, "from quay.io/ns/app (from byte 100000)"));

  // Through the copy engine too: the producer's hash sees every byte once.
  auto destination = LayoutStore::open(temp_ / "dst", testing::creating());
  NoProgress quiet;
  auto copied =
      copy_image(*source, amd64_.manifest.digest.str(), **destination, "amd", CopyOptions{}, quiet);
  ASSERT_TRUE(copied) << copied.error().message;
}

TEST_F(FallbackStoreTest, AFailingSinkIsNotASourceFailure) {
  auto flaky = std::make_unique<FlakyStore>(layout(temp_ / "origin"), 1'000'000);
  auto source = fallback(std::move(flaky));
  int calls = 0;
  auto read = source->read_blob(amd64_.blobs[1], 0, [&](std::span<const std::byte>) {
    ++calls;
    return oci::Result<void>(oci::fail(oci::ErrorCode::kInternal, "disk full"));
  });
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message, "disk full");
  EXPECT_EQ(calls, 1);
}

TEST_F(FallbackStoreTest, FailsWithEverySourcesReasonAndCannotBeWritten) {
  auto source = fallback(layout(temp_ / "mirror"));
  auto missing = source->get_manifest("v2");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, oci::ErrorCode::kManifestUnknown);
  EXPECT_NE(missing.error().message.find("mirror.example/ns/app: "), std::string::npos);
  EXPECT_NE(missing.error().message.find("quay.io/ns/app: "), std::string::npos);
  EXPECT_EQ(source->put_manifest("{}", "x", index_.digest, "v1").error().code,
            oci::ErrorCode::kUnsupported);
  EXPECT_FALSE(source->mount_blob(amd64_.blobs[0], *source).value());
  EXPECT_TRUE(source->has_blob(amd64_.blobs[2]).value());
}

}  // namespace
}  // namespace transfer
