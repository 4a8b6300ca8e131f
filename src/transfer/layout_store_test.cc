#include "transfer/layout_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "oci/media_type.h"
#include "transfer/test_images.h"

namespace transfer {
namespace {

using testing::Image;
using testing::LayoutWriter;
using testsupport::TempDir;

// A byte source over `bytes` that fails with `error` after `fail_after` bytes (if set).
client::ByteSource source_of(std::string_view bytes, std::optional<std::size_t> fail_after = {},
                             oci::ErrorCode error = oci::ErrorCode::kInternal) {
  auto position = std::make_shared<std::size_t>(0);
  return [=](std::span<std::byte> buffer) -> oci::Result<std::size_t> {
    std::size_t end = bytes.size();
    if (fail_after) {
      if (*position >= *fail_after) return oci::fail(error, "connection reset");
      end = *fail_after;
    }
    const std::size_t n = std::min({buffer.size(), end - *position, std::size_t{4096}});
    std::memcpy(buffer.data(), bytes.data() + *position, n);
    *position += n;
    return n;
  };
}

std::string read_all(ImageStore& store, const oci::Descriptor& blob, std::int64_t offset = 0) {
  std::string bytes;
  auto read = store.read_blob(blob, offset, [&](std::span<const std::byte> chunk) {
    bytes.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    return oci::Result<void>();
  });
  EXPECT_TRUE(read) << read.error().message;
  return bytes;
}

class LayoutStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<LayoutStore> open(LayoutOptions options = testing::creating()) {
    auto store = LayoutStore::open(temp_ / "layout", std::move(options));
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }
  std::filesystem::path blob_file(const oci::Digest& digest) const {
    return temp_ / "layout" / "blobs" / "sha256" / std::string(digest.hex());
  }
  TempDir temp_;
};

TEST_F(LayoutStoreTest, CreatesAnEmptyLayout) {
  auto store = open();
  const auto layout = nlohmann::json::parse(testing::read_text(temp_ / "layout" / "oci-layout"));
  EXPECT_EQ(layout["imageLayoutVersion"], "1.0.0");
  const auto index = nlohmann::json::parse(testing::read_text(temp_ / "layout" / "index.json"));
  EXPECT_EQ(index["schemaVersion"], 2);
  EXPECT_TRUE(index["manifests"].empty());
}

TEST_F(LayoutStoreTest, RefusesWhatIsNotALayout) {
  EXPECT_FALSE(LayoutStore::open(temp_ / "missing"));
  testing::write_text(temp_ / "other" / "file", "x");
  EXPECT_FALSE(LayoutStore::open(temp_ / "other"));
  EXPECT_FALSE(LayoutStore::open(temp_ / "other", testing::creating()));
}

TEST_F(LayoutStoreTest, WritesAndReadsABlob) {
  auto store = open();
  const std::string bytes = testing::random_bytes(3'000'000, 1);
  const oci::Descriptor blob = testing::descriptor_of(bytes);
  EXPECT_FALSE(store->has_blob(blob).value());
  ASSERT_TRUE(store->write_blob(blob, 0, source_of(bytes)));
  EXPECT_TRUE(store->has_blob(blob).value());
  EXPECT_EQ(testing::read_text(blob_file(blob.digest)), bytes);
  EXPECT_EQ(read_all(*store, blob), bytes);
  EXPECT_EQ(read_all(*store, blob, 1000), bytes.substr(1000));
}

TEST_F(LayoutStoreTest, AnInterruptedWriteResumesFromThePartialFile) {
  auto store = open();
  const std::string bytes = testing::random_bytes(2'500'000, 2);
  const oci::Descriptor blob = testing::descriptor_of(bytes);
  auto first = store->write_blob(blob, 0, source_of(bytes, 1'000'000));
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().message, "connection reset");
  EXPECT_FALSE(store->has_blob(blob).value());
  EXPECT_EQ(store->resume_offset(blob).value(), 1'000'000);

  // A new store (another run) resumes; only the rest is sent.
  store = open();
  ASSERT_EQ(store->resume_offset(blob).value(), 1'000'000);
  auto second =
      store->write_blob(blob, 1'000'000, source_of(std::string_view(bytes).substr(1'000'000)));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(testing::read_text(blob_file(blob.digest)), bytes);
  EXPECT_EQ(store->resume_offset(blob).value(), 0);
}

TEST_F(LayoutStoreTest, AResumeOverWrongBytesFailsAndDropsThem) {
  auto store = open();
  const std::string bytes = testing::random_bytes(10'000, 3);
  const oci::Descriptor blob = testing::descriptor_of(bytes, 10'000);
  std::filesystem::path partial = blob_file(blob.digest);
  partial += ".partial";
  testing::write_text(partial, testing::random_bytes(4'000, 99));
  auto written = store->write_blob(blob, 4'000, source_of(std::string_view(bytes).substr(4'000)));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, oci::ErrorCode::kDigestInvalid);
  EXPECT_FALSE(std::filesystem::exists(partial));
  EXPECT_FALSE(store->has_blob(blob).value());
}

TEST_F(LayoutStoreTest, VerifiesDigestAndSizeBeforeCommitting) {
  auto store = open();
  const std::string bytes = testing::random_bytes(10'000, 4);
  const oci::Descriptor wrong_digest = testing::descriptor_of("something else", 10'000);
  auto written = store->write_blob(wrong_digest, 0, source_of(bytes));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, oci::ErrorCode::kDigestInvalid);
  EXPECT_FALSE(std::filesystem::exists(blob_file(wrong_digest.digest)));

  const oci::Descriptor too_small = testing::descriptor_of(bytes, 9'999);
  written = store->write_blob(too_small, 0, source_of(bytes));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, oci::ErrorCode::kSizeInvalid);
  const oci::Descriptor too_large = testing::descriptor_of(bytes, 10'001);
  written = store->write_blob(too_large, 0, source_of(bytes));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, oci::ErrorCode::kSizeInvalid);
  EXPECT_FALSE(std::filesystem::exists(blob_file(too_small.digest)));
  EXPECT_EQ(store->resume_offset(too_large).value(), 0);
}

TEST_F(LayoutStoreTest, ASourceReportingBadContentDropsThePartialFile) {
  auto store = open();
  const std::string bytes = testing::random_bytes(10'000, 5);
  const oci::Descriptor blob = testing::descriptor_of(bytes, 10'000);
  ASSERT_FALSE(store->write_blob(blob, 0, source_of(bytes, 5'000, oci::ErrorCode::kDigestInvalid)));
  EXPECT_EQ(store->resume_offset(blob).value(), 0);
}

TEST_F(LayoutStoreTest, TagsAreRefNamesInIndexJson) {
  auto store = open();
  const std::string body_a =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]})";
  const std::string body_b =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})";
  const oci::Digest a = oci::digest_of(body_a);
  const oci::Digest b = oci::digest_of(body_b);
  ASSERT_TRUE(store->put_manifest(body_a, oci::media_type::kOciManifest, a, "v1"));
  ASSERT_TRUE(store->put_manifest(body_a, oci::media_type::kOciManifest, a, "quay.io/ns/app:v1"));
  ASSERT_TRUE(store->put_manifest(body_b, oci::media_type::kOciIndex, b, "latest"));
  // The name moves to the new manifest.
  ASSERT_TRUE(store->put_manifest(body_b, oci::media_type::kOciIndex, b, "v1"));

  auto reopened = open({});
  EXPECT_EQ(reopened->list_tags().value(),
            (std::vector<std::string>{"quay.io/ns/app:v1", "latest", "v1"}));
  EXPECT_EQ(reopened->get_manifest("quay.io/ns/app:v1")->digest, a);
  auto v1 = reopened->get_manifest("v1");
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->digest, b);
  EXPECT_EQ(v1->media_type, oci::media_type::kOciIndex);
  EXPECT_EQ(v1->body, body_b);
  auto by_digest = reopened->get_manifest(a.str());
  ASSERT_TRUE(by_digest);
  EXPECT_EQ(by_digest->media_type, oci::media_type::kOciManifest);
  auto missing = reopened->get_manifest("v2");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, oci::ErrorCode::kManifestUnknown);
  // Two images: "" names none of them.
  EXPECT_FALSE(reopened->get_manifest(""));
}

TEST_F(LayoutStoreTest, PutManifestRefusesABodyThatDoesNotHashToTheDigest) {
  auto store = open();
  const std::string body =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})";
  auto put = store->put_manifest(body, oci::media_type::kOciIndex, oci::digest_of("x"), "v1");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, oci::ErrorCode::kDigestInvalid);
  EXPECT_TRUE(store->list_tags()->empty());
}

TEST_F(LayoutStoreTest, ReadsALayoutWrittenByHandAndKeepsUnknownFields) {
  LayoutWriter writer(temp_ / "layout");
  const Image amd = writer.image(1, 100, 1);
  const Image arm = writer.image(1, 100, 2);
  const oci::Descriptor index =
      writer.index({{amd.manifest, "linux/amd64"}, {arm.manifest, "linux/arm64"}});
  writer.name(index, "multi");
  // A platform on an index.json entry survives a rewrite.
  auto document = nlohmann::json::parse(testing::read_text(temp_ / "layout" / "index.json"));
  document["manifests"][0]["platform"] = {{"os", "linux"}, {"architecture", "amd64"}};
  document["annotations"] = {{"created-by", "test"}};
  testing::write_text(temp_ / "layout" / "index.json", document.dump());

  auto store = open({});
  auto only = store->get_manifest("");
  ASSERT_TRUE(only) << only.error().message;
  EXPECT_EQ(only->digest, index.digest);
  EXPECT_EQ(read_all(*store, amd.blobs[1]),
            testing::read_text(writer.blob_path(amd.blobs[1].digest)));
  ASSERT_TRUE(store->put_manifest(testing::read_text(writer.blob_path(amd.manifest.digest)),
                                  oci::media_type::kOciManifest, amd.manifest.digest, "amd"));
  document = nlohmann::json::parse(testing::read_text(temp_ / "layout" / "index.json"));
  EXPECT_EQ(document["manifests"][0]["platform"]["architecture"], "amd64");
  EXPECT_EQ(document["annotations"]["created-by"], "test");
  EXPECT_EQ(document["manifests"].size(), 2u);
}

TEST_F(LayoutStoreTest, ReferrersAreTheListedManifestsWithThatSubject) {
  LayoutWriter writer(temp_ / "source");
  const Image image = writer.image(1, 100, 1);
  const Image signature = writer.referrer(image.manifest, 2);
  auto store = open();
  ASSERT_TRUE(store->put_manifest(testing::read_text(writer.blob_path(image.manifest.digest)),
                                  oci::media_type::kOciManifest, image.manifest.digest, "v1"));
  EXPECT_TRUE(store->referrers(image.manifest.digest)->empty());
  ASSERT_TRUE(store->put_manifest(testing::read_text(writer.blob_path(signature.manifest.digest)),
                                  oci::media_type::kOciManifest, signature.manifest.digest, ""));

  const auto reopened = open({});
  for (auto* reader : {store.get(), reopened.get()}) {
    auto referrers = reader->referrers(image.manifest.digest);
    ASSERT_TRUE(referrers);
    ASSERT_EQ(referrers->size(), 1u);
    EXPECT_EQ(referrers->front().digest, signature.manifest.digest);
    EXPECT_EQ(referrers->front().size, signature.manifest.size);
    EXPECT_EQ(referrers->front().artifact_type, "application/vnd.example.signature");
    EXPECT_EQ(referrers->front().annotations["seed"], "2");
  }
  // The referrer is listed unnamed; the image alone is what "" names.
  EXPECT_EQ(open({})->list_tags().value(), std::vector<std::string>{"v1"});
  EXPECT_EQ(open({})->get_manifest("")->digest, image.manifest.digest);
}

TEST_F(LayoutStoreTest, ContentOfAnotherLayoutCountsAsPresent) {
  LayoutWriter previous(temp_ / "previous");
  const Image image = previous.image(1, 100, 1);
  auto store = open(testing::creating({temp_ / "previous"}));
  EXPECT_TRUE(store->has_blob(image.blobs[1]).value());
  EXPECT_TRUE(store->has_manifest(image.manifest.digest).value());
  EXPECT_FALSE(std::filesystem::exists(blob_file(image.blobs[1].digest)));
  auto without = open({});
  EXPECT_FALSE(without->has_blob(image.blobs[1]).value());
}

TEST_F(LayoutStoreTest, ManyThreadsTagAtOnce) {
  auto store = open();
  const std::string body =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})";
  const oci::Digest digest = oci::digest_of(body);
  {
    std::vector<std::jthread> threads;
    threads.reserve(16);
    for (int i = 0; i < 16; ++i) {
      threads.emplace_back([&, i] {
        EXPECT_TRUE(store->put_manifest(body, oci::media_type::kOciIndex, digest,
                                        std::string("t").append(std::to_string(i))));
      });
    }
  }
  EXPECT_EQ(open({})->list_tags()->size(), 16u);
}

}  // namespace
}  // namespace transfer
