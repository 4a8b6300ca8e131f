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
using testsupport::TempDir;

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

using Piece = SourceAttempt::Piece;
using Outcome = SourceAttempt::Outcome;

constexpr std::string_view kMirror = "mirror.example/ns/app";
constexpr std::string_view kOrigin = "quay.io/ns/app";

// The attempts for `reference` ("quay.io/ns/app@sha256:..."), in order.
std::vector<SourceAttempt> attempts_for(const FallbackStore& store, std::string_view reference) {
  std::vector<SourceAttempt> found;
  for (const SourceAttempt& attempt : store.attempts()) {
    if (attempt.reference == reference) found.push_back(attempt);
  }
  return found;
}

std::string at(std::string_view location, const oci::Digest& digest) {
  return std::string(location) + "@" + digest.str();
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

  std::unique_ptr<FallbackStore> fallback(std::unique_ptr<ImageStore> first,
                                          std::vector<SourceAttempt> skipped = {}) {
    std::vector<FallbackStore::Source> sources(2);
    sources[0].repository = {std::string(kMirror), true};
    sources[0].store = std::move(first);
    sources[1].repository = {std::string(kOrigin), false};
    sources[1].store = layout(temp_ / "origin");
    return std::make_unique<FallbackStore>(std::move(sources), std::move(skipped));
  }

  TempDir temp_;
  LayoutWriter origin_{temp_ / "origin"};
  Image amd64_ = origin_.image(2, 300'000, 1);
  Image arm64_ = origin_.image(1, 1000, 2);
  oci::Descriptor index_ =
      origin_.index({{amd64_.manifest, "linux/amd64"}, {arm64_.manifest, "linux/arm64"}});
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

  // The tag and the amd64 child from the mirror, as a mirror.
  const std::vector<SourceAttempt> tag = attempts_for(*source, std::string(kMirror) + ":v1");
  ASSERT_EQ(tag.size(), 1U);
  EXPECT_EQ(tag[0].piece, Piece::kManifest);
  EXPECT_EQ(tag[0].outcome, Outcome::kServed);
  EXPECT_TRUE(tag[0].source.mirror);
  EXPECT_EQ(tag[0].bytes, index_.size);
  const auto amd64 = attempts_for(*source, at(kMirror, amd64_.manifest.digest));
  ASSERT_EQ(amd64.size(), 1U);
  EXPECT_EQ(amd64[0].outcome, Outcome::kServed);

  // The arm64 child: the mirror fails, the origin (not a mirror) serves it.
  const auto arm64_mirror = attempts_for(*source, at(kMirror, arm64_.manifest.digest));
  ASSERT_EQ(arm64_mirror.size(), 1U);
  EXPECT_EQ(arm64_mirror[0].outcome, Outcome::kFailed);
  EXPECT_FALSE(arm64_mirror[0].error.empty());
  const auto arm64_origin = attempts_for(*source, at(kOrigin, arm64_.manifest.digest));
  ASSERT_EQ(arm64_origin.size(), 1U);
  EXPECT_EQ(arm64_origin[0].outcome, Outcome::kServed);
  EXPECT_EQ(arm64_origin[0].source.location, kOrigin);
  EXPECT_FALSE(arm64_origin[0].source.mirror);
  EXPECT_EQ(arm64_origin[0].bytes, arm64_.manifest.size);

  // A blob the mirror lacks: failed there, served whole by the origin.
  const auto lacking = attempts_for(*source, at(kMirror, amd64_.blobs[2].digest));
  ASSERT_EQ(lacking.size(), 1U);
  EXPECT_EQ(lacking[0].piece, Piece::kBlob);
  EXPECT_EQ(lacking[0].outcome, Outcome::kFailed);
  EXPECT_EQ(lacking[0].bytes, 0);
  const auto fallen_back = attempts_for(*source, at(kOrigin, amd64_.blobs[2].digest));
  ASSERT_EQ(fallen_back.size(), 1U);
  EXPECT_EQ(fallen_back[0].outcome, Outcome::kServed);
  EXPECT_EQ(fallen_back[0].offset, 0);
  EXPECT_EQ(fallen_back[0].bytes, amd64_.blobs[2].size);
  // A blob the mirror has: nothing asked of the origin.
  const auto present = attempts_for(*source, at(kMirror, amd64_.blobs[1].digest));
  ASSERT_EQ(present.size(), 1U);
  EXPECT_EQ(present[0].outcome, Outcome::kServed);
  EXPECT_EQ(present[0].bytes, amd64_.blobs[1].size);
  EXPECT_TRUE(attempts_for(*source, at(kOrigin, amd64_.blobs[1].digest)).empty());
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
  const auto cut = attempts_for(*source, at(kMirror, blob.digest));
  ASSERT_EQ(cut.size(), 1U);
  EXPECT_EQ(cut[0].outcome, Outcome::kFailed);
  EXPECT_EQ(cut[0].error, "reset");
  EXPECT_EQ(cut[0].offset, 0);
  EXPECT_EQ(cut[0].bytes, 100'000);
  const auto rest = attempts_for(*source, at(kOrigin, blob.digest));
  ASSERT_EQ(rest.size(), 1U);
  EXPECT_EQ(rest[0].outcome, Outcome::kServed);
  EXPECT_EQ(rest[0].offset, 100'000);
  EXPECT_EQ(rest[0].bytes, blob.size - 100'000);

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
  EXPECT_TRUE(source->attempts().empty());
}

TEST_F(FallbackStoreTest, FailsWithEverySourcesReasonAndCannotBeWritten) {
  auto source = fallback(layout(temp_ / "mirror"));
  auto missing = source->get_manifest("v2");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, oci::ErrorCode::kManifestUnknown);
  EXPECT_NE(missing.error().message.find("mirror.example/ns/app: "), std::string::npos);
  EXPECT_NE(missing.error().message.find("quay.io/ns/app: "), std::string::npos);
  const std::vector<SourceAttempt> attempts = source->attempts();
  ASSERT_EQ(attempts.size(), 2U);
  EXPECT_EQ(attempts[0].reference, std::string(kMirror) + ":v2");
  EXPECT_EQ(attempts[0].outcome, Outcome::kFailed);
  EXPECT_FALSE(attempts[0].error.empty());
  EXPECT_EQ(attempts[1].reference, std::string(kOrigin) + ":v2");
  EXPECT_EQ(attempts[1].outcome, Outcome::kFailed);
  EXPECT_EQ(source->put_manifest("{}", "x", index_.digest, "v1").error().code,
            oci::ErrorCode::kUnsupported);
  EXPECT_FALSE(source->mount_blob(amd64_.blobs[0], *source).value());
  EXPECT_TRUE(source->has_blob(amd64_.blobs[2]).value());
}

TEST_F(FallbackStoreTest, SkippedSourcesOpenTheAttemptsAndAreNeverAsked) {
  SourceAttempt blocked;
  blocked.source = {"blocked.example/ns/app", true};
  blocked.reference = "blocked.example/ns/app:v1";
  blocked.outcome = Outcome::kSkipped;
  blocked.error = "blocked";
  auto source = fallback(layout(temp_ / "mirror"), {blocked});
  ASSERT_TRUE(source->get_manifest("v1"));
  const std::vector<SourceAttempt> attempts = source->attempts();
  ASSERT_EQ(attempts.size(), 2U);
  EXPECT_EQ(attempts[0].outcome, Outcome::kSkipped);
  EXPECT_EQ(attempts[0].error, "blocked");
  EXPECT_EQ(attempts[1].reference, std::string(kMirror) + ":v1");
  EXPECT_EQ(attempts[1].outcome, Outcome::kServed);
}

}  // namespace
}  // namespace transfer
