#include "transfer/copy_image.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include "oci/attachment_tag.h"
#include "transfer/copied_images.h"
#include "transfer/layout_store.h"
#include "transfer/test_images.h"

namespace transfer {
namespace {

using testing::Image;
using testing::LayoutWriter;
using testing::RecordingProgress;
using testsupport::TempDir;

std::unique_ptr<LayoutStore> open_layout(const std::filesystem::path& directory,
                                         bool create = false) {
  auto store = LayoutStore::open(directory, create ? testing::creating() : LayoutOptions());
  EXPECT_TRUE(store.has_value()) << store.error().message;
  return std::move(*store);
}

// Default options changed by `change`.
CopyOptions with(const std::function<void(CopyOptions&)>& change) {
  CopyOptions options;
  change(options);
  return options;
}

std::int64_t total_size(const std::vector<oci::Descriptor>& blobs) {
  std::int64_t size = 0;
  for (const auto& blob : blobs) size += blob.size;
  return size;
}

class CopyImageTest : public ::testing::Test {
 protected:
  TempDir temp_;
  LayoutWriter source_writer_{temp_.path() / "src"};
  std::filesystem::path destination_dir_ = temp_.path() / "dst";
  RecordingProgress progress_;

  std::filesystem::path destination_blob(const oci::Digest& digest) const {
    return destination_dir_ / "blobs" / std::string(digest.algorithm_name()) /
           std::string(digest.hex());
  }

  oci::Result<CopyResult> copy(std::string_view reference, std::string_view tag,
                               const CopyOptions& options = {}) {
    auto source = open_layout(temp_.path() / "src");
    auto destination = open_layout(destination_dir_, true);
    auto copied = copy_image(*source, reference, *destination, tag, options, progress_);
    if (copied) {
      EXPECT_TRUE(destination->finish().has_value());
    }
    return copied;
  }
};

TEST_F(CopyImageTest, CopiesAnImageWithDigestsUnchangedAndSkipsEverythingTheSecondTime) {
  const Image image = source_writer_.image(3, 100'000, 1);
  source_writer_.name(image.manifest, "v1");

  auto first = copy("v1", "v1");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->digest, image.manifest.digest);
  EXPECT_EQ(first->media_type, image.manifest.media_type);
  EXPECT_EQ(first->stats.blobs_copied, 4);
  EXPECT_EQ(first->stats.blobs_skipped, 0);
  EXPECT_EQ(first->stats.manifests, 1);
  EXPECT_EQ(first->stats.bytes_copied, total_size(image.blobs));
  for (const auto& blob : image.blobs) {
    EXPECT_EQ(testing::read_text(destination_blob(blob.digest)),
              testing::read_text(source_writer_.blob_path(blob.digest)));
  }
  auto destination = open_layout(destination_dir_);
  auto manifest = destination->get_manifest("v1");
  ASSERT_TRUE(manifest) << manifest.error().message;
  EXPECT_EQ(manifest->digest, image.manifest.digest);
  EXPECT_EQ(oci::digest_of(manifest->body), image.manifest.digest);

  auto second = copy("v1", "v1");
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->stats.blobs_copied, 0);
  EXPECT_EQ(second->stats.blobs_skipped, 4);
  EXPECT_EQ(second->stats.bytes_copied, 0);
}

TEST_F(CopyImageTest, CopiesByDigestWithoutATag) {
  const Image image = source_writer_.image(1, 1000, 2);
  source_writer_.name(image.manifest, "v1");
  auto copied = copy(image.manifest.digest.str(), "");
  ASSERT_TRUE(copied) << copied.error().message;
  auto destination = open_layout(destination_dir_);
  EXPECT_TRUE(destination->has_manifest(image.manifest.digest).value());
  EXPECT_TRUE(destination->list_tags()->empty());
}

class IndexCopyTest : public CopyImageTest {
 protected:
  void SetUp() override { source_writer_.name(index_, "multi"); }
  Image amd64_ = source_writer_.image(2, 5000, 10);
  Image arm64_ = source_writer_.image(2, 5000, 20);
  oci::Descriptor index_ =
      source_writer_.index({{amd64_.manifest, "linux/amd64"}, {arm64_.manifest, "linux/arm64/v8"}});
};

TEST_F(IndexCopyTest, AllCopiesTheIndexAndEveryChild) {
  auto copied = copy("multi", "multi", with([](CopyOptions& o) { o.all = true; }));
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied->digest, index_.digest);
  EXPECT_EQ(copied->stats.manifests, 3);
  // What a signing copy signs: each child, then the index.
  EXPECT_EQ(copied->manifests, (std::vector<oci::Digest>{amd64_.manifest.digest,
                                                         arm64_.manifest.digest, index_.digest}));
  EXPECT_EQ(copied->stats.blobs_copied, 6);
  auto destination = open_layout(destination_dir_);
  for (const auto& digest : {index_.digest, amd64_.manifest.digest, arm64_.manifest.digest}) {
    EXPECT_TRUE(destination->has_manifest(digest).value()) << digest.str();
  }
  EXPECT_EQ(destination->get_manifest("multi")->digest, index_.digest);
  // Children before their index.
  const auto lines = progress_.lines();
  const auto position = [&](const oci::Digest& digest) {
    return std::ranges::find(lines, "manifest " + digest.str()) - lines.begin();
  };
  EXPECT_LT(position(amd64_.manifest.digest), position(index_.digest));
  EXPECT_LT(position(arm64_.manifest.digest), position(index_.digest));
}

TEST_F(IndexCopyTest, OnePlatformCopiesOnlyThatChildAndTagsIt) {
  auto copied = copy("multi", "arm", with([](CopyOptions& o) {
                       o.platform = Platform{"linux", "arm64", ""};
                     }));
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied->digest, arm64_.manifest.digest);
  EXPECT_EQ(copied->stats.manifests, 1);
  EXPECT_EQ(copied->manifests, std::vector<oci::Digest>{arm64_.manifest.digest});
  auto destination = open_layout(destination_dir_);
  EXPECT_FALSE(destination->has_manifest(index_.digest).value());
  EXPECT_FALSE(destination->has_manifest(amd64_.manifest.digest).value());
  EXPECT_EQ(destination->get_manifest("arm")->digest, arm64_.manifest.digest);
  for (const auto& blob : amd64_.blobs) EXPECT_FALSE(destination->has_blob(blob).value());
  for (const auto& blob : arm64_.blobs) EXPECT_TRUE(destination->has_blob(blob).value());
}

TEST_F(IndexCopyTest, DefaultPlatformIsLinuxAmd64) {
  auto copied = copy("multi", "x");
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied->digest, amd64_.manifest.digest);
}

TEST_F(IndexCopyTest, MissingPlatformFailsAndWritesNothing) {
  auto copied = copy("multi", "x", with([](CopyOptions& o) {
                       o.platform = Platform{"linux", "s390x", ""};
                     }));
  ASSERT_FALSE(copied);
  EXPECT_NE(copied.error().message.find("linux/s390x"), std::string::npos);
  EXPECT_NE(copied.error().message.find("linux/arm64"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(destination_blob(amd64_.blobs[1].digest)));
}

// copied_images: what a policy check looks at is what copy_image writes.
class CopiedImagesTest : public IndexCopyTest {
 protected:
  oci::Result<std::vector<oci::Digest>> images(std::string_view reference,
                                               const CopyOptions& options) {
    auto source = open_layout(temp_.path() / "src");
    auto top = source->get_manifest(reference);
    EXPECT_TRUE(top) << top.error().message;
    auto found = copied_images(*source, *top, options);
    if (!found) return std::unexpected(found.error());
    std::vector<oci::Digest> digests;
    for (const auto& image : *found) digests.push_back(image.digest);
    return digests;
  }
};

TEST_F(CopiedImagesTest, AnIndexIsNotCheckedItsChosenChildIs) {
  auto arm = images("multi", with([](CopyOptions& o) {
                      o.platform = Platform{"linux", "arm64", ""};
                    }));
  ASSERT_TRUE(arm) << arm.error().message;
  EXPECT_EQ(*arm, std::vector<oci::Digest>{arm64_.manifest.digest});
  auto host = images("multi", CopyOptions{});
  ASSERT_TRUE(host) << host.error().message;
  EXPECT_EQ(*host, std::vector<oci::Digest>{amd64_.manifest.digest});
}

TEST_F(CopiedImagesTest, AllChecksEveryChild) {
  auto all = images("multi", with([](CopyOptions& o) { o.all = true; }));
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(*all, (std::vector<oci::Digest>{amd64_.manifest.digest, arm64_.manifest.digest}));
}

TEST_F(CopiedImagesTest, AnImageIsItsOwnOnlyEntry) {
  source_writer_.name(amd64_.manifest, "single");
  auto single = images("single", with([](CopyOptions& o) { o.all = true; }));
  ASSERT_TRUE(single) << single.error().message;
  EXPECT_EQ(*single, std::vector<oci::Digest>{amd64_.manifest.digest});
}

TEST_F(CopiedImagesTest, AMissingPlatformOrChildFails) {
  auto none = images("multi", with([](CopyOptions& o) {
                       o.platform = Platform{"linux", "s390x", ""};
                     }));
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("linux/s390x"), std::string::npos) << none.error().message;
  // A hostile index naming a manifest the source does not hold.
  oci::Descriptor ghost = amd64_.manifest;
  ghost.digest = oci::digest_of("no such manifest");
  source_writer_.name(source_writer_.index({{ghost, "linux/amd64"}}), "ghost");
  EXPECT_FALSE(images("ghost", CopyOptions{}));
  // An empty index has nothing to check: refused rather than passed.
  source_writer_.name(source_writer_.index({}), "empty");
  EXPECT_FALSE(images("empty", with([](CopyOptions& o) { o.all = true; })));
}

TEST_F(CopyImageTest, CarriesReferrersAndTheirReferrers) {
  const Image image = source_writer_.image(1, 1000, 3);
  const Image signature = source_writer_.referrer(image.manifest, 4);
  const Image signature_of_signature = source_writer_.referrer(signature.manifest, 5);
  source_writer_.name(image.manifest, "v1");
  source_writer_.list(signature.manifest);
  source_writer_.list(signature_of_signature.manifest);

  auto copied = copy("v1", "v1");
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied->digest, image.manifest.digest);
  // The referrers copied along are not the image's manifests.
  EXPECT_EQ(copied->manifests, std::vector<oci::Digest>{image.manifest.digest});
  EXPECT_EQ(copied->stats.manifests, 3);
  auto destination = open_layout(destination_dir_);
  auto referrers = destination->referrers(image.manifest.digest);
  ASSERT_TRUE(referrers);
  ASSERT_EQ(referrers->size(), 1u);
  EXPECT_EQ(referrers->front().digest, signature.manifest.digest);
  EXPECT_EQ(referrers->front().artifact_type, "application/vnd.example.signature");
  EXPECT_EQ(destination->referrers(signature.manifest.digest)->front().digest,
            signature_of_signature.manifest.digest);
  for (const auto& blob : signature.blobs) EXPECT_TRUE(destination->has_blob(blob).value());
}

TEST_F(CopyImageTest, ReferrersCanBeLeftBehind) {
  const Image image = source_writer_.image(1, 1000, 3);
  const Image signature = source_writer_.referrer(image.manifest, 4);
  source_writer_.name(image.manifest, "v1");
  source_writer_.list(signature.manifest);
  auto copied = copy("v1", "v1", with([](CopyOptions& o) { o.referrers = false; }));
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_FALSE(open_layout(destination_dir_)->has_manifest(signature.manifest.digest).value());
}

TEST_F(CopyImageTest, CarriesAttachmentTagsUnderTheSameTag) {
  const Image image = source_writer_.image(1, 1000, 3);
  const Image signature = source_writer_.image(1, 100, 4);
  const Image sbom = source_writer_.image(1, 100, 5);
  const std::string sig_tag = oci::attachment_tag(image.manifest.digest.str(), "sig");
  const std::string sbom_tag = oci::attachment_tag(image.manifest.digest.str(), "sbom");
  source_writer_.name(image.manifest, "v1");
  source_writer_.name(signature.manifest, sig_tag);
  source_writer_.name(sbom.manifest, sbom_tag);

  auto copied = copy("v1", "v1");
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied->stats.manifests, 3);
  auto destination = open_layout(destination_dir_);
  EXPECT_EQ(destination->get_manifest(sig_tag)->digest, signature.manifest.digest);
  EXPECT_EQ(destination->get_manifest(sbom_tag)->digest, sbom.manifest.digest);
  for (const auto& blob : signature.blobs) EXPECT_TRUE(destination->has_blob(blob).value());
  // The image before its signature.
  const auto lines = progress_.lines();
  const auto position = [&](const oci::Digest& digest) {
    return std::ranges::find(lines, "manifest " + digest.str()) - lines.begin();
  };
  EXPECT_LT(position(image.manifest.digest), position(signature.manifest.digest));

  auto again = copy("v1", "v1");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->stats.manifests, 0);
}

// containers/image's putSignaturesToSigstoreAttachments: the destination's .sig attachment
// keeps its own signatures and gains the source's it lacks.
TEST_F(CopyImageTest, TheSourcesSignaturesAreMergedIntoTheDestinationsAttachment) {
  const Image image = source_writer_.image(1, 1000, 3);
  const Image signature = source_writer_.image(1, 100, 4);
  const std::string sig_tag = oci::attachment_tag(image.manifest.digest.str(), "sig");
  source_writer_.name(image.manifest, "v1");
  source_writer_.name(signature.manifest, sig_tag);
  ASSERT_TRUE(copy("v1", "v1"));
  // The destination's attachment gains a layer (a signature made there).
  auto body = nlohmann::json::parse(
      testing::read_text(source_writer_.blob_path(signature.manifest.digest)));
  const oci::Descriptor extra = testing::descriptor_of("another signature");
  body["layers"].push_back(extra.to_json());
  const std::string superset = body.dump();
  const std::string media_type = body["mediaType"];
  {
    auto destination = open_layout(destination_dir_);
    ASSERT_TRUE(destination->put_manifest(superset, media_type, oci::digest_of(superset), sig_tag));
  }
  auto again = copy("v1", "v1");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->stats.manifests, 0);
  EXPECT_EQ(open_layout(destination_dir_)->get_manifest(sig_tag)->digest, oci::digest_of(superset));

  // One lacking a layer of the source's gets it appended after its own, with a new config.
  body["layers"].erase(0);
  const std::string other = body.dump();
  {
    auto destination = open_layout(destination_dir_);
    ASSERT_TRUE(destination->put_manifest(other, media_type, oci::digest_of(other), sig_tag));
  }
  auto merged = copy("v1", "v1");
  ASSERT_TRUE(merged) << merged.error().message;
  EXPECT_EQ(merged->stats.manifests, 1);
  auto destination = open_layout(destination_dir_);
  auto written = destination->get_manifest(sig_tag);
  ASSERT_TRUE(written) << written.error().message;
  const auto layers = nlohmann::json::parse(written->body)["layers"];
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0]["digest"], extra.digest.str());
  EXPECT_EQ(layers[1]["digest"], signature.blobs[1].digest.str());
  auto parsed = oci::parse_manifest(written->body, written->media_type);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(destination->has_blob(*parsed->config).value());
  // And a second run finds nothing missing.
  auto again_merged = copy("v1", "v1");
  ASSERT_TRUE(again_merged) << again_merged.error().message;
  EXPECT_EQ(again_merged->stats.manifests, 0);
}

TEST_F(IndexCopyTest, AllCarriesTheAttachmentsOfEveryChild) {
  const Image signature = source_writer_.image(1, 100, 30);
  const std::string sig_tag = oci::attachment_tag(arm64_.manifest.digest.str(), "sig");
  source_writer_.name(signature.manifest, sig_tag);
  auto copied = copy("multi", "multi", with([](CopyOptions& o) { o.all = true; }));
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(open_layout(destination_dir_)->get_manifest(sig_tag)->digest,
            signature.manifest.digest);
}

TEST_F(CopyImageTest, AnUnreadableAttachmentFailsTheCopyButNotTheImageWrittenBefore) {
  const Image image = source_writer_.image(1, 1000, 3);
  const Image signature = source_writer_.image(1, 100, 4);
  source_writer_.name(image.manifest, "v1");
  source_writer_.name(signature.manifest, oci::attachment_tag(image.manifest.digest.str(), "sig"));
  testing::write_text(source_writer_.blob_path(signature.manifest.digest), "{}");
  auto copied = copy("v1", "v1");
  ASSERT_FALSE(copied);
  EXPECT_NE(copied.error().message.find(".sig"), std::string::npos) << copied.error().message;
  EXPECT_TRUE(open_layout(destination_dir_)->has_manifest(image.manifest.digest).value());
}

TEST_F(CopyImageTest, AttachmentsCanBeLeftBehind) {
  const Image image = source_writer_.image(1, 1000, 3);
  const Image signature = source_writer_.image(1, 100, 4);
  source_writer_.name(image.manifest, "v1");
  source_writer_.name(signature.manifest, oci::attachment_tag(image.manifest.digest.str(), "sig"));
  auto copied = copy("v1", "v1", with([](CopyOptions& o) { o.attachments = false; }));
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_FALSE(open_layout(destination_dir_)->has_manifest(signature.manifest.digest).value());
}

TEST_F(CopyImageTest, CorruptedSourceBlobFailsWithoutWritingAnything) {
  const Image image = source_writer_.image(2, 50'000, 6);
  source_writer_.name(image.manifest, "v1");
  const oci::Descriptor& bad = image.blobs[2];
  testing::write_text(source_writer_.blob_path(bad.digest), testing::random_bytes(50'000, 999));

  auto copied = copy("v1", "v1", with([](CopyOptions& o) { o.jobs = 1; }));
  ASSERT_FALSE(copied);
  EXPECT_EQ(copied.error().code, oci::ErrorCode::kDigestInvalid);
  EXPECT_NE(copied.error().message.find("blob " + bad.digest.str() + " from oci:"),
            std::string::npos)
      << copied.error().message;
  EXPECT_NE(copied.error().message.find("digest mismatch: got sha256:"), std::string::npos);
  auto destination = open_layout(destination_dir_);
  EXPECT_FALSE(destination->has_manifest(image.manifest.digest).value());
  EXPECT_FALSE(std::filesystem::exists(destination_blob(bad.digest)));
  auto partial = destination_blob(bad.digest);
  partial += ".partial";
  EXPECT_FALSE(std::filesystem::exists(partial));
  EXPECT_TRUE(destination->list_tags()->empty());
}

TEST_F(CopyImageTest, TruncatedSourceBlobFails) {
  const Image image = source_writer_.image(1, 50'000, 7);
  source_writer_.name(image.manifest, "v1");
  testing::write_text(source_writer_.blob_path(image.blobs[1].digest),
                      testing::random_bytes(10, 1));
  auto copied = copy("v1", "v1");
  ASSERT_FALSE(copied);
  EXPECT_EQ(copied.error().code, oci::ErrorCode::kSizeInvalid);
  EXPECT_FALSE(open_layout(destination_dir_)->has_manifest(image.manifest.digest).value());
}

TEST_F(CopyImageTest, ResumesWhatAnInterruptedWriteLeft) {
  const Image image = source_writer_.image(1, 300'000, 8);
  source_writer_.name(image.manifest, "v1");
  const oci::Descriptor& layer = image.blobs[1];
  const std::string bytes = testing::read_text(source_writer_.blob_path(layer.digest));
  auto partial = destination_blob(layer.digest);
  partial += ".partial";
  open_layout(destination_dir_, true);
  testing::write_text(partial, std::string_view(bytes).substr(0, 100'000));

  auto copied = copy("v1", "v1");
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied->stats.bytes_copied, total_size(image.blobs) - 100'000);
  EXPECT_EQ(testing::read_text(destination_blob(layer.digest)), bytes);
  EXPECT_FALSE(std::filesystem::exists(partial));
  const auto lines = progress_.lines();
  EXPECT_NE(std::ranges::find(lines, "started " + layer.digest.str() + " at 100000"), lines.end());
}

TEST_F(CopyImageTest, AWrongPartialIsReplacedByTheWholeBlob) {
  const Image image = source_writer_.image(1, 300'000, 9);
  source_writer_.name(image.manifest, "v1");
  const oci::Descriptor& layer = image.blobs[1];
  auto partial = destination_blob(layer.digest);
  partial += ".partial";
  open_layout(destination_dir_, true);
  testing::write_text(partial, testing::random_bytes(100'000, 4242));

  auto copied = copy("v1", "v1");
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(testing::read_text(destination_blob(layer.digest)),
            testing::read_text(source_writer_.blob_path(layer.digest)));
  const auto lines = progress_.lines();
  EXPECT_TRUE(std::ranges::any_of(lines, [](const std::string& line) {
    return line.find("starting over") != std::string::npos;
  }));
}

// A source that cannot serve a blob from an offset, as a registry answering a Range request
// with 416 (from the end) or with 200 (Range ignored): every read past byte 0 fails.
class NoRangeStore final : public ImageStore {
 public:
  explicit NoRangeStore(ImageStore& inner) : inner_(inner) {}
  int ranged_reads() const { return ranged_reads_; }

  std::string describe() const override { return inner_.describe(); }
  oci::Result<client::FetchedManifest> get_manifest(std::string_view reference) override {
    return inner_.get_manifest(reference);
  }
  oci::Result<std::vector<std::string>> list_tags() override { return inner_.list_tags(); }
  oci::Result<std::vector<oci::Descriptor>> referrers(const oci::Digest& subject) override {
    return inner_.referrers(subject);
  }
  oci::Result<void> read_blob(const oci::Descriptor& blob, std::int64_t offset,
                              const client::ByteSink& sink) override {
    if (offset == 0) return inner_.read_blob(blob, offset, sink);
    ++ranged_reads_;
    return oci::fail(oci::ErrorCode::kRangeInvalid, "Range not satisfiable");
  }
  oci::Result<bool> has_manifest(const oci::Digest& digest) override {
    return inner_.has_manifest(digest);
  }
  oci::Result<void> put_manifest(std::string_view body, std::string_view media_type,
                                 const oci::Digest& digest, std::string_view tag) override {
    return inner_.put_manifest(body, media_type, digest, tag);
  }
  oci::Result<bool> has_blob(const oci::Descriptor& blob) override { return inner_.has_blob(blob); }
  oci::Result<bool> mount_blob(const oci::Descriptor&, const ImageStore&) override { return false; }
  oci::Result<std::int64_t> resume_offset(const oci::Descriptor& blob) override {
    return inner_.resume_offset(blob);
  }
  oci::Result<void> write_blob(const oci::Descriptor& blob, std::int64_t offset,
                               const client::ByteSource& source) override {
    return inner_.write_blob(blob, offset, source);
  }

 private:
  ImageStore& inner_;
  std::atomic<int> ranged_reads_{0};
};

TEST_F(CopyImageTest, APartialHoldingEveryByteIsCommittedWithoutReadingTheSource) {
  // An interrupted write that got every byte but stopped before its commit: nothing is left
  // to read, and a Range from the blob's end would be refused.
  const Image image = source_writer_.image(1, 300'000, 10);
  source_writer_.name(image.manifest, "v1");
  const oci::Descriptor& layer = image.blobs[1];
  const std::string bytes = testing::read_text(source_writer_.blob_path(layer.digest));
  auto partial = destination_blob(layer.digest);
  partial += ".partial";
  open_layout(destination_dir_, true);
  testing::write_text(partial, bytes);

  auto layout = open_layout(temp_.path() / "src");
  NoRangeStore source(*layout);
  auto destination = open_layout(destination_dir_);
  auto copied = copy_image(source, "v1", *destination, "v1", CopyOptions{}, progress_);
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(source.ranged_reads(), 0);
  EXPECT_EQ(testing::read_text(destination_blob(layer.digest)), bytes);
  EXPECT_FALSE(std::filesystem::exists(partial));
}

TEST_F(CopyImageTest, ASourceThatCannotResumeSendsTheWholeBlob) {
  const Image image = source_writer_.image(1, 300'000, 11);
  source_writer_.name(image.manifest, "v1");
  const oci::Descriptor& layer = image.blobs[1];
  const std::string bytes = testing::read_text(source_writer_.blob_path(layer.digest));
  auto partial = destination_blob(layer.digest);
  partial += ".partial";
  open_layout(destination_dir_, true);
  testing::write_text(partial, std::string_view(bytes).substr(0, 100'000));

  auto layout = open_layout(temp_.path() / "src");
  NoRangeStore source(*layout);
  auto destination = open_layout(destination_dir_);
  auto copied = copy_image(source, "v1", *destination, "v1", CopyOptions{}, progress_);
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(source.ranged_reads(), 1);
  EXPECT_EQ(testing::read_text(destination_blob(layer.digest)), bytes);
  EXPECT_EQ(copied->stats.bytes_copied, total_size(image.blobs));
}

TEST_F(CopyImageTest, ConcurrentCopiesIntoOneDestinationSendEachBlobOnce) {
  // Eight images sharing one large base layer, copied at once into the same layout: the base
  // is written once and skipped by the seven others (two writers of one blob would collide).
  const std::string base_bytes = testing::random_bytes(2'000'000, 77);
  const oci::Descriptor base =
      source_writer_.blob(base_bytes, "application/vnd.oci.image.layer.v1.tar");
  std::vector<std::string> tags;
  for (int i = 0; i < 8; ++i) {
    const oci::Descriptor config = source_writer_.blob("{\"n\":" + std::to_string(i) + "}",
                                                       "application/vnd.oci.image.config.v1+json");
    const oci::Descriptor manifest =
        source_writer_.manifest({{"schemaVersion", 2},
                                 {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                                 {"config", config.to_json()},
                                 {"layers", {base.to_json()}}});
    tags.push_back(std::string("t").append(std::to_string(i)));
    source_writer_.name(manifest, tags.back());
  }
  auto source = open_layout(temp_.path() / "src");
  auto destination = open_layout(destination_dir_, true);
  std::vector<oci::Result<CopyResult>> results(tags.size(),
                                               oci::fail(oci::ErrorCode::kInternal, ""));
  {
    std::vector<std::jthread> threads;
    threads.reserve(tags.size());
    for (std::size_t i = 0; i < tags.size(); ++i) {
      threads.emplace_back([&, i] {
        NoProgress quiet;
        results[i] = copy_image(*source, tags[i], *destination, tags[i], CopyOptions{}, quiet);
      });
    }
  }
  CopyStats total;
  for (const auto& result : results) {
    ASSERT_TRUE(result) << result.error().message;
    total += result->stats;
  }
  EXPECT_EQ(total.blobs_copied, 9);  // the base once, eight configs
  EXPECT_EQ(total.blobs_skipped, 7);
  EXPECT_EQ(total.manifests, 8);
  ASSERT_TRUE(destination->finish());
  EXPECT_EQ(open_layout(destination_dir_)->list_tags()->size(), 8u);
}

TEST(CopyStatsTest, AddsUp) {
  CopyStats a{1, 2, 3, 4, 5};
  a += CopyStats{10, 20, 30, 40, 50};
  EXPECT_EQ(a.manifests, 11);
  EXPECT_EQ(a.blobs_copied, 22);
  EXPECT_EQ(a.blobs_skipped, 33);
  EXPECT_EQ(a.blobs_mounted, 44);
  EXPECT_EQ(a.bytes_copied, 55);
}

}  // namespace
}  // namespace transfer
