// The registry's decisions, over the in-memory driver and a SQLite store in a temp dir.
#include "registry/registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "metadata/sqlite_store.h"
#include "oci/media_type.h"
#include "registry/paths.h"
#include "storage/memory_driver.h"

namespace registry {
namespace {

using oci::ErrorCode;

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

class RegistryTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("regmirror-registry-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    store_ = std::move(*metadata::open_sqlite_store(dir_ / "metadata.sqlite"));
    registry_ = std::make_unique<Registry>(*driver_, *store_, options_);
  }
  void TearDown() override {
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Pushes `content` as a blob of `repo` in two chunks; returns its digest.
  std::string push_blob(const std::string& repo, std::string_view content) {
    auto upload = registry_->start_upload(repo);
    EXPECT_TRUE(upload);
    const auto half = content.size() / 2;
    {
      auto appender = registry_->append_upload(repo, upload->id, std::nullopt);
      EXPECT_TRUE(appender);
      EXPECT_TRUE((*appender)->write(bytes(content.substr(0, half))));
      EXPECT_TRUE((*appender)->finish());
    }
    auto appender =
        registry_->append_upload(repo, upload->id, oci::ByteRange{half, content.size()});
    EXPECT_TRUE(appender);
    EXPECT_TRUE((*appender)->write(bytes(content.substr(half))));
    const std::string digest = oci::digest_of(content).str();
    auto blob = registry_->complete_upload(repo, std::move(*appender), digest);
    EXPECT_TRUE(blob) << (blob ? "" : blob.error().message);
    return digest;
  }

  std::string image_manifest(const std::string& config, const std::string& layer,
                             std::optional<std::string> subject = std::nullopt) {
    nlohmann::json m = {{"schemaVersion", 2},
                        {"mediaType", oci::media_type::kOciManifest},
                        {"config",
                         {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                          {"digest", config},
                          {"size", 2}}},
                        {"layers",
                         {{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                           {"digest", layer},
                           {"size", 5}}}}};
    if (subject) {
      m["subject"] = {
          {"mediaType", oci::media_type::kOciManifest}, {"digest", *subject}, {"size", 10}};
      m["artifactType"] = "application/example";
    }
    return m.dump();
  }

  Options options_;
  std::filesystem::path dir_;
  std::unique_ptr<storage::Driver> driver_ = storage::make_memory_driver();
  std::unique_ptr<metadata::Store> store_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(RegistryTest, ChunkedUploadLinksTheBlob) {
  const auto digest = push_blob("a/b", "hello world");
  auto blob = registry_->stat_blob("a/b", digest);
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->size, 11u);
  EXPECT_FALSE(registry_->stat_blob("other", digest));  // only through a linking repository
}

TEST_F(RegistryTest, OutOfOrderChunkIsRefused) {
  auto upload = registry_->start_upload("a");
  auto appender = registry_->append_upload("a", upload->id, oci::ByteRange{5, 9});
  ASSERT_FALSE(appender);
  EXPECT_EQ(appender.error().code, ErrorCode::kRangeInvalid);
}

TEST_F(RegistryTest, WrongDigestKeepsNothing) {
  auto upload = registry_->start_upload("a");
  auto appender = registry_->append_upload("a", upload->id, std::nullopt);
  ASSERT_TRUE((*appender)->write(bytes("data")));
  const auto wrong = oci::digest_of("other").str();
  auto blob = registry_->complete_upload("a", std::move(*appender), wrong);
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, ErrorCode::kDigestInvalid);
  EXPECT_FALSE(registry_->stat_blob("a", wrong));
  EXPECT_FALSE(registry_->stat_blob("a", oci::digest_of("data").str()));
  EXPECT_EQ(registry_->upload_status("a", upload->id).error().code, ErrorCode::kBlobUploadUnknown);
}

TEST_F(RegistryTest, Sha512UploadIsVerified) {
  auto upload = registry_->start_upload("a");
  auto appender = registry_->append_upload("a", upload->id, std::nullopt);
  ASSERT_TRUE((*appender)->write(bytes("data")));
  const auto digest = oci::digest_of("data", oci::DigestAlgorithm::kSha512).str();
  auto blob = registry_->complete_upload("a", std::move(*appender), digest);
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_TRUE(registry_->stat_blob("a", digest));
}

TEST_F(RegistryTest, UploadIsTiedToItsRepository) {
  auto upload = registry_->start_upload("a");
  EXPECT_EQ(registry_->upload_status("b", upload->id).error().code, ErrorCode::kBlobUploadUnknown);
  EXPECT_EQ(registry_->upload_status("a", "../../etc").error().code, ErrorCode::kBlobUploadUnknown);
}

TEST_F(RegistryTest, ResumesAfterRestart) {
  auto upload = registry_->start_upload("a");
  {
    auto appender = registry_->append_upload("a", upload->id, std::nullopt);
    ASSERT_TRUE((*appender)->write(bytes("first ")));
  }
  registry_ = std::make_unique<Registry>(*driver_, *store_, options_);  // hash state is gone
  EXPECT_EQ(registry_->upload_status("a", upload->id)->size, 6u);
  auto appender = registry_->append_upload("a", upload->id, oci::ByteRange{6, 11});
  ASSERT_TRUE(appender);
  ASSERT_TRUE((*appender)->write(bytes("second")));
  auto blob =
      registry_->complete_upload("a", std::move(*appender), oci::digest_of("first second").str());
  EXPECT_TRUE(blob) << blob.error().message;
}

// Another process (a replica) continues an upload from the hash state the store keeps, without
// reading back the bytes received so far.
TEST_F(RegistryTest, AnotherProcessContinuesFromTheSavedHashState) {
  auto upload = registry_->start_upload("a");
  {
    auto appender = registry_->append_upload("a", upload->id, std::nullopt);
    ASSERT_TRUE((*appender)->write(bytes("first ")));
    ASSERT_TRUE((*appender)->finish());
  }
  auto record = store_->upload(upload->id);
  ASSERT_TRUE(record && *record);
  EXPECT_FALSE((*record)->hash_state.empty());
  // The stored bytes change behind the registry's back: only the saved state still gives the
  // digest of what was received, so a match proves that nothing was read back.
  auto stored = driver_->writer("uploads/" + upload->id, 0);
  ASSERT_TRUE((*stored)->write(bytes("FIRST ")));
  ASSERT_TRUE((*stored)->commit());
  Registry other(*driver_, *store_, options_);
  auto appender = other.append_upload("a", upload->id, oci::ByteRange{6, 11});
  ASSERT_TRUE(appender);
  ASSERT_TRUE((*appender)->write(bytes("second")));
  auto blob =
      other.complete_upload("a", std::move(*appender), oci::digest_of("first second").str());
  EXPECT_TRUE(blob) << blob.error().message;
}

TEST_F(RegistryTest, UnrecordedTailIsDroppedAfterACrash) {
  auto upload = registry_->start_upload("a");
  {
    auto appender = registry_->append_upload("a", upload->id, std::nullopt);
    ASSERT_TRUE((*appender)->write(bytes("first ")));
    ASSERT_EQ((*appender)->finish().value(), 6u);
  }
  // A crash between a write and the record: the stored file is longer than recorded.
  auto stored = driver_->writer("uploads/" + upload->id, 6);
  ASSERT_TRUE(stored);
  ASSERT_TRUE((*stored)->write(bytes("lost bytes")));
  ASSERT_TRUE((*stored)->commit());
  registry_ = std::make_unique<Registry>(*driver_, *store_, options_);

  EXPECT_EQ(registry_->upload_status("a", upload->id)->size, 6u);
  auto appender = registry_->append_upload("a", upload->id, oci::ByteRange{6, 11});
  ASSERT_TRUE(appender) << appender.error().message;
  ASSERT_TRUE((*appender)->write(bytes("second")));
  auto blob =
      registry_->complete_upload("a", std::move(*appender), oci::digest_of("first second").str());
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->size, 12u);
}

TEST_F(RegistryTest, StoredUploadShorterThanRecordedIsRefused) {
  auto upload = registry_->start_upload("a");
  auto stored = driver_->writer("uploads/" + upload->id, 0);
  ASSERT_TRUE(stored);
  ASSERT_TRUE((*stored)->write(bytes("abc")));
  ASSERT_TRUE((*stored)->commit());
  ASSERT_TRUE(store_->update_upload(upload->id, 6, 0, ""));  // three bytes never reached storage
  registry_ = std::make_unique<Registry>(*driver_, *store_, options_);
  auto appender = registry_->append_upload("a", upload->id, std::nullopt);
  ASSERT_FALSE(appender);
  EXPECT_EQ(appender.error().code, ErrorCode::kBlobUploadInvalid);
}

TEST_F(RegistryTest, UploadWhoseBytesAreGoneStartsOver) {
  // As a completion interrupted between moving the bytes into place and ending the session.
  auto upload = registry_->start_upload("a");
  ASSERT_TRUE(store_->update_upload(upload->id, 6, 0, ""));
  registry_ = std::make_unique<Registry>(*driver_, *store_, options_);
  EXPECT_EQ(registry_->upload_status("a", upload->id)->size, 0u);
  auto appender = registry_->append_upload("a", upload->id, oci::ByteRange{0, 4});
  ASSERT_TRUE(appender) << appender.error().message;
  ASSERT_TRUE((*appender)->write(bytes("again")));
  auto blob = registry_->complete_upload("a", std::move(*appender), oci::digest_of("again").str());
  ASSERT_TRUE(blob) << blob.error().message;
}

TEST_F(RegistryTest, ConcurrentAppendIsRefused) {
  auto upload = registry_->start_upload("a");
  auto first = registry_->append_upload("a", upload->id, std::nullopt);
  ASSERT_TRUE(first);
  auto second = registry_->append_upload("a", upload->id, std::nullopt);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kBlobUploadInvalid);
}

TEST_F(RegistryTest, MaxBlobSizeIsEnforced) {
  options_.max_blob_bytes = 4;
  registry_ = std::make_unique<Registry>(*driver_, *store_, options_);
  auto upload = registry_->start_upload("a");
  auto appender = registry_->append_upload("a", upload->id, std::nullopt);
  EXPECT_EQ((*appender)->write(bytes("12345")).error().code, ErrorCode::kSizeInvalid);
}

TEST_F(RegistryTest, AnnouncedBodyLargerThanTheLimitIsRefusedUpFront) {
  options_.max_blob_bytes = 10;
  registry_ = std::make_unique<Registry>(*driver_, *store_, options_);
  auto upload = registry_->start_upload("a");
  EXPECT_TRUE(registry_->append_upload("a", upload->id, std::nullopt, 10));
  auto refused = registry_->append_upload("a", upload->id, std::nullopt, 11);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kSizeInvalid);
}

TEST_F(RegistryTest, ManifestRoundTripsByteForByte) {
  const auto config = push_blob("a", "{}");
  const auto layer = push_blob("a", "layer");
  const std::string body = image_manifest(config, layer) + "\n";
  auto put = registry_->put_manifest("a", "v1", oci::media_type::kOciManifest, body);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->digest, oci::digest_of(body));
  for (const std::string& ref : {std::string("v1"), put->digest.str()}) {
    auto got = registry_->get_manifest("a", ref);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got->bytes, body);
    EXPECT_EQ(got->media_type, oci::media_type::kOciManifest);
  }
}

TEST_F(RegistryTest, TagRecordsNameEachTagsDigestAndTime) {
  const auto config = push_blob("a", "{}");
  const auto layer = push_blob("a", "layer");
  const std::string body = image_manifest(config, layer);
  ASSERT_TRUE(registry_->put_manifest("a", "v2", oci::media_type::kOciManifest, body));
  ASSERT_TRUE(registry_->put_manifest("a", "v1", oci::media_type::kOciManifest, body));
  auto tags = registry_->tag_records("a");
  ASSERT_TRUE(tags);
  ASSERT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[0].name, "v1");
  EXPECT_EQ((*tags)[0].digest, oci::digest_of(body).str());
  EXPECT_GT((*tags)[0].updated_at, 0);
  EXPECT_EQ(registry_->tag_records("none").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(registry_->tag_records("A").error().code, ErrorCode::kNameInvalid);
  EXPECT_TRUE(*registry_->repository_exists("a"));
  EXPECT_FALSE(*registry_->repository_exists("none"));
}

TEST_F(RegistryTest, SmallBlobsAreReadWithALimit) {
  const auto digest = push_blob("a", "0123456789");
  EXPECT_EQ(registry_->read_small_blob("a", digest, 10), "0123456789");
  EXPECT_EQ(registry_->read_small_blob("a", digest, 9).error().code, ErrorCode::kSizeInvalid);
  EXPECT_EQ(registry_->read_small_blob("b", digest, 10).error().code, ErrorCode::kBlobUnknown);
  EXPECT_EQ(registry_->read_small_blob("a", "sha256:zz", 10).error().code,
            ErrorCode::kDigestInvalid);
}

// The non-blocking answers agree with the blocking ones once those have been asked, and
// never outlive a change made through the registry.
TEST_F(RegistryTest, CachedAnswersFollowTheBlockingOnes) {
  const auto config = push_blob("a", "{}");
  const auto layer = push_blob("a", "layer");
  const std::string body = image_manifest(config, layer);
  auto put = registry_->put_manifest("a", "v1", oci::media_type::kOciManifest, body);
  ASSERT_TRUE(put) << put.error().message;

  EXPECT_FALSE(registry_->cached_manifest("a", "v1"));  // nothing asked yet
  ASSERT_TRUE(registry_->get_manifest("a", "v1"));
  auto cached = registry_->cached_manifest("a", "v1");
  ASSERT_TRUE(cached);
  EXPECT_EQ(*cached->bytes, body);
  EXPECT_EQ(cached->digest, put->digest);
  EXPECT_EQ(cached->media_type, oci::media_type::kOciManifest);
  EXPECT_FALSE(registry_->cached_manifest("a", "v2"));
  EXPECT_FALSE(registry_->cached_manifest("Bad Name", "v1"));

  ASSERT_TRUE(registry_->stat_blob("a", layer));
  auto blob = registry_->cached_blob("a", layer);
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->size, 5u);
  EXPECT_FALSE(registry_->cached_blob("b", layer));

  ASSERT_TRUE(registry_->delete_manifest("a", "v1"));
  EXPECT_FALSE(registry_->cached_manifest("a", "v1"));
  EXPECT_FALSE(registry_->get_manifest("a", "v1"));
}

TEST_F(RegistryTest, ManifestNeedsItsBlobs) {
  const auto config = push_blob("a", "{}");
  auto put = registry_->put_manifest("a", "v1", oci::media_type::kOciManifest,
                                     image_manifest(config, oci::digest_of("missing").str()));
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kManifestBlobUnknown);
  EXPECT_FALSE(registry_->get_manifest("a", "v1"));
}

TEST_F(RegistryTest, BlobsOfAnotherRepositoryDoNotCount) {
  const auto config = push_blob("other", "{}");
  const auto layer = push_blob("other", "layer");
  auto put = registry_->put_manifest("a", "v1", oci::media_type::kOciManifest,
                                     image_manifest(config, layer));
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kManifestBlobUnknown);
}

TEST_F(RegistryTest, IndexNeedsItsManifests) {
  nlohmann::json index = {{"schemaVersion", 2},
                          {"mediaType", oci::media_type::kOciIndex},
                          {"manifests",
                           {{{"mediaType", oci::media_type::kOciManifest},
                             {"digest", oci::digest_of("x").str()},
                             {"size", 1}}}}};
  auto put = registry_->put_manifest("a", "v1", oci::media_type::kOciIndex, index.dump());
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kManifestBlobUnknown);
}

TEST_F(RegistryTest, DigestReferenceMustMatch) {
  const auto config = push_blob("a", "{}");
  const auto layer = push_blob("a", "layer");
  auto put = registry_->put_manifest("a", oci::digest_of("nope").str(),
                                     oci::media_type::kOciManifest, image_manifest(config, layer));
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kDigestInvalid);
}

TEST_F(RegistryTest, OversizedManifestIsRefused) {
  options_.max_manifest_bytes = 16;
  registry_ = std::make_unique<Registry>(*driver_, *store_, options_);
  auto put =
      registry_->put_manifest("a", "v1", oci::media_type::kOciManifest, std::string(17, ' '));
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kSizeInvalid);
}

TEST_F(RegistryTest, ReferrersAreListedAndFiltered) {
  const auto config = push_blob("a", "{}");
  const auto layer = push_blob("a", "layer");
  auto subject = registry_->put_manifest("a", "v1", oci::media_type::kOciManifest,
                                         image_manifest(config, layer));
  ASSERT_TRUE(subject);
  auto referrer = registry_->put_manifest("a", "sig", oci::media_type::kOciManifest,
                                          image_manifest(config, layer, subject->digest.str()));
  ASSERT_TRUE(referrer);
  EXPECT_EQ(referrer->subject, subject->digest.str());

  auto all = nlohmann::json::parse(*registry_->referrers("a", subject->digest.str(), std::nullopt));
  ASSERT_EQ(all["manifests"].size(), 1u);
  EXPECT_EQ(all["manifests"][0]["digest"], referrer->digest.str());
  EXPECT_EQ(all["manifests"][0]["artifactType"], "application/example");
  auto none = nlohmann::json::parse(
      *registry_->referrers("a", subject->digest.str(), std::string_view("other/type")));
  EXPECT_TRUE(none["manifests"].empty());
  EXPECT_EQ(registry_->referrers("a", "sha256:bad", std::nullopt).error().code,
            ErrorCode::kDigestInvalid);
}

TEST_F(RegistryTest, DeleteByTagKeepsTheManifest) {
  const auto config = push_blob("a", "{}");
  const auto layer = push_blob("a", "layer");
  auto put = registry_->put_manifest("a", "v1", oci::media_type::kOciManifest,
                                     image_manifest(config, layer));
  ASSERT_TRUE(registry_->delete_manifest("a", "v1"));
  EXPECT_FALSE(registry_->get_manifest("a", "v1"));
  EXPECT_TRUE(registry_->get_manifest("a", put->digest.str()));
  ASSERT_TRUE(registry_->delete_manifest("a", put->digest.str()));
  EXPECT_EQ(registry_->get_manifest("a", put->digest.str()).error().code,
            ErrorCode::kManifestUnknown);
}

TEST_F(RegistryTest, TagsPaginate) {
  const auto config = push_blob("a", "{}");
  const auto layer = push_blob("a", "layer");
  for (const char* tag : {"c", "a", "b"}) {
    ASSERT_TRUE(registry_->put_manifest("a", tag, oci::media_type::kOciManifest,
                                        image_manifest(config, layer)));
  }
  auto first = registry_->tags("a", "", 2);
  EXPECT_EQ(first->items, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(first->more);
  auto second = registry_->tags("a", "b", 2);
  EXPECT_EQ(second->items, (std::vector<std::string>{"c"}));
  EXPECT_FALSE(second->more);
  EXPECT_EQ(registry_->tags("nope", "", 2).error().code, ErrorCode::kNameUnknown);
}

TEST_F(RegistryTest, ReadOnlyRefusesWrites) {
  options_.read_only = true;
  registry_ = std::make_unique<Registry>(*driver_, *store_, options_);
  EXPECT_EQ(registry_->start_upload("a").error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(registry_->put_manifest("a", "v1", oci::media_type::kOciManifest, "{}").error().code,
            ErrorCode::kUnsupported);
}

TEST_F(RegistryTest, InvalidNamesNeverReachStorage) {
  for (const char* name : {"../x", "A", "a//b", "a/", "", "a/../b"}) {
    EXPECT_EQ(registry_->start_upload(name).error().code, ErrorCode::kNameInvalid) << name;
    EXPECT_EQ(registry_->get_manifest(name, "latest").error().code, ErrorCode::kNameInvalid)
        << name;
  }
}

TEST_F(RegistryTest, MountLinksFromAnotherRepository) {
  const auto digest = push_blob("src", "shared");
  EXPECT_TRUE(registry_->mount_blob("dst", digest, "src"));
  EXPECT_TRUE(registry_->stat_blob("dst", digest));
  EXPECT_EQ(registry_->mount_blob("dst2", digest, "nowhere").error().code, ErrorCode::kBlobUnknown);
}

}  // namespace
}  // namespace registry
