// RegistryStore against a real registry (Debian's docker-registry, CNCF distribution) on a
// free loopback port; skipped when docker-registry is not installed.
#include "transfer/registry_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "testsupport/free_port.h"

namespace transfer {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kChunk = 1 << 20;

oci::Descriptor descriptor_of(const std::string& bytes, std::string media_type) {
  return oci::Descriptor{std::move(media_type),
                         oci::digest_of(bytes),
                         static_cast<std::int64_t>(bytes.size()),
                         {},
                         "",
                         nullptr};
}

// Serves `bytes` from `*pos`, failing once `*pos` reaches `fail_at`.
client::ByteSource source_of(const std::string& bytes, std::size_t* pos,
                             std::size_t fail_at = std::string::npos) {
  return [&bytes, pos, fail_at](std::span<std::byte> buffer) -> oci::Result<std::size_t> {
    if (*pos >= fail_at) return oci::fail(oci::ErrorCode::kInternal, "source broke");
    const std::size_t n =
        std::min({buffer.size(), bytes.size() - *pos, fail_at - std::min(fail_at, *pos)});
    std::memcpy(buffer.data(), bytes.data() + *pos, n);
    *pos += n;
    return n;
  };
}

class RegistryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/docker-registry", X_OK) != 0) {
      GTEST_SKIP() << "docker-registry is not installed";
    }
    root_ = fs::temp_directory_path() /
            ("registry-store-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    host_ = "127.0.0.1:" + std::to_string(testsupport::free_port());
    std::ofstream(root_ / "config.yml")
        << "version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\n"
        << "storage: {filesystem: {rootdirectory: " << (root_ / "data").string()
        << "}, delete: {enabled: true}}\nhttp: {addr: " << host_ << "}\n";
    // distribution reads REGISTRY_* variables as configuration: none may reach it.
    std::vector<char*> env;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "REGISTRY_", 9) != 0) env.push_back(*e);
    }
    env.push_back(nullptr);
    const std::string config = (root_ / "config.yml").string();
    const std::string log = (root_ / "registry.log").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    char* argv[] = {const_cast<char*>("docker-registry"), const_cast<char*>("serve"),
                    const_cast<char*>(config.c_str()), nullptr};
    ASSERT_EQ(::posix_spawn(&pid_, "/usr/bin/docker-registry", &actions, nullptr, argv, env.data()),
              0);
    posix_spawn_file_actions_destroy(&actions);

    client::RegistryOptions options;
    options.host = host_;
    options.insecure = true;
    options.retry.attempts = 1;
    client_ = std::make_shared<client::RegistryClient>(options);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!client_->ping()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "docker-registry did not start";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    journal_ = std::make_shared<const UploadJournal>(root_ / "journal");
  }

  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    if (!root_.empty()) fs::remove_all(root_);
  }

  static std::string random_bytes(std::size_t size) {
    std::string bytes(size, '\0');
    std::mt19937 rng(42);
    for (char& c : bytes) c = static_cast<char>(rng());
    return bytes;
  }

  fs::path root_;
  pid_t pid_ = 0;
  std::string host_;
  std::shared_ptr<client::RegistryClient> client_;
  std::shared_ptr<const UploadJournal> journal_;
};

TEST_F(RegistryStoreTest, SmallBlobManifestTagsAndMount) {
  RegistryStore store(client_, "ns/app", journal_, kChunk);
  EXPECT_EQ(store.describe(), "docker://" + host_ + "/ns/app");
  const std::string config = R"({"architecture":"amd64","os":"linux"})";
  const oci::Descriptor blob = descriptor_of(config, "application/vnd.oci.image.config.v1+json");
  EXPECT_FALSE(*store.has_blob(blob));
  std::size_t pos = 0;
  ASSERT_TRUE(store.write_blob(blob, 0, source_of(config, &pos)));
  EXPECT_TRUE(*store.has_blob(blob));

  const std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
      blob.digest.str() + R"(","size":)" + std::to_string(config.size()) + R"(},"layers":[]})";
  const oci::Digest digest = oci::digest_of(manifest);
  EXPECT_FALSE(*store.has_manifest(digest));
  ASSERT_TRUE(
      store.put_manifest(manifest, "application/vnd.oci.image.manifest.v1+json", digest, "v1"));
  EXPECT_TRUE(*store.has_manifest(digest));
  oci::Result<client::FetchedManifest> fetched = store.get_manifest("v1");
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(fetched->digest, digest);
  EXPECT_EQ(*store.list_tags(), std::vector<std::string>{"v1"});

  RegistryStore other(client_, "ns/other", journal_, kChunk);
  EXPECT_FALSE(*other.has_blob(blob));
  oci::Result<bool> mounted = other.mount_blob(blob, store);
  ASSERT_TRUE(mounted) << mounted.error().message;
  EXPECT_TRUE(*mounted);
  EXPECT_TRUE(*other.has_blob(blob));
  EXPECT_FALSE(*store.mount_blob(blob, store)) << "no mount within one repository";
}

TEST_F(RegistryStoreTest, ChunkedUploadResumesAtAChunkBoundary) {
  const std::string bytes = random_bytes(3 * kChunk + 123);
  const oci::Descriptor blob = descriptor_of(bytes, "application/octet-stream");
  {
    RegistryStore store(client_, "ns/big", journal_, kChunk);
    std::size_t pos = 0;
    EXPECT_FALSE(store.write_blob(blob, 0, source_of(bytes, &pos, 2 * kChunk)));
  }
  // A later run (a new store, the same journal) continues where the registry got to.
  RegistryStore store(client_, "ns/big", journal_, kChunk);
  oci::Result<std::int64_t> offset = store.resume_offset(blob);
  ASSERT_TRUE(offset) << offset.error().message;
  EXPECT_EQ(*offset, 2 * kChunk);
  std::size_t pos = static_cast<std::size_t>(*offset);
  oci::Result<void> written = store.write_blob(blob, *offset, source_of(bytes, &pos));
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_TRUE(*store.has_blob(blob));
  EXPECT_EQ(*store.resume_offset(blob), 0) << "the journal entry goes with the commit";
  EXPECT_TRUE(fs::is_empty(root_ / "journal"));

  std::string back;
  ASSERT_TRUE(store.read_blob(blob, kChunk, [&](std::span<const std::byte> b) -> oci::Result<void> {
    back.append(reinterpret_cast<const char*>(b.data()), b.size());
    return {};
  }));
  EXPECT_EQ(back, bytes.substr(kChunk));
}

// A PATCH that broke half-way leaves distribution's session unusable (BLOB_UPLOAD_INVALID):
// the store then drops it, and the next attempt starts over.
TEST_F(RegistryStoreTest, BrokenSessionStartsOver) {
  const std::string bytes = random_bytes(3 * kChunk + 7);
  const oci::Descriptor blob = descriptor_of(bytes, "application/octet-stream");
  RegistryStore store(client_, "ns/broken", journal_, kChunk);
  std::size_t pos = 0;
  EXPECT_FALSE(store.write_blob(blob, 0, source_of(bytes, &pos, 2 * kChunk + 10)));
  bool done = false;
  for (int attempt = 0; attempt < 3 && !done; ++attempt) {
    oci::Result<std::int64_t> offset = store.resume_offset(blob);
    ASSERT_TRUE(offset) << offset.error().message;
    pos = static_cast<std::size_t>(*offset);
    done = store.write_blob(blob, *offset, source_of(bytes, &pos)).has_value();
  }
  EXPECT_TRUE(done);
  EXPECT_TRUE(*store.has_blob(blob));
}

TEST_F(RegistryStoreTest, SourceLongerThanTheDescriptorIsRefused) {
  const std::string bytes = random_bytes(2 * kChunk + 5);
  oci::Descriptor blob = descriptor_of(bytes, "application/octet-stream");
  blob.size -= 5;  // claims fewer bytes than the source has
  RegistryStore store(client_, "ns/long", journal_, kChunk);
  std::size_t pos = 0;
  oci::Result<void> written = store.write_blob(blob, 0, source_of(bytes, &pos));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, oci::ErrorCode::kSizeInvalid);
  EXPECT_FALSE(*store.has_blob(blob));
  EXPECT_EQ(*store.resume_offset(blob), 0) << "known-wrong bytes are not resumed";
}

// docker-registry has no referrers API: each referrer pushed goes into the subject's tag
// index, a read-modify-write that concurrent pushes must not lose entries to.
TEST_F(RegistryStoreTest, ConcurrentReferrersAllReachTheTagIndex) {
  RegistryStore store(client_, "ns/signed", journal_, kChunk);
  const std::string config = "{}";
  const oci::Descriptor blob = descriptor_of(config, "application/vnd.oci.image.config.v1+json");
  std::size_t pos = 0;
  ASSERT_TRUE(store.write_blob(blob, 0, source_of(config, &pos)));
  const auto manifest_with = [&](const std::string& extra) {
    return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
           R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
           blob.digest.str() + R"(","size":2},"layers":[])" + extra + "}";
  };
  const std::string subject = manifest_with("");
  const oci::Digest subject_digest = oci::digest_of(subject);
  ASSERT_TRUE(store.put_manifest(subject, "application/vnd.oci.image.manifest.v1+json",
                                 subject_digest, "v1"));

  constexpr int kReferrers = 8;
  std::vector<oci::Result<void>> results(kReferrers);
  {
    std::vector<std::jthread> threads;
    threads.reserve(kReferrers);
    for (int i = 0; i < kReferrers; ++i) {
      threads.emplace_back([&, i] {
        const std::string referrer =
            manifest_with(R"(,"artifactType":"application/vnd.example.sig","subject":{"mediaType":)"
                          R"("application/vnd.oci.image.manifest.v1+json","digest":")" +
                          subject_digest.str() + R"(","size":)" + std::to_string(subject.size()) +
                          R"(},"annotations":{"n":")" + std::to_string(i) + R"("})");
        RegistryStore own(client_, "ns/signed", journal_, kChunk);
        results[i] = own.put_manifest(referrer, "application/vnd.oci.image.manifest.v1+json",
                                      oci::digest_of(referrer), "");
      });
    }
  }
  for (const auto& result : results) ASSERT_TRUE(result) << result.error().message;
  auto referrers = store.referrers(subject_digest);
  ASSERT_TRUE(referrers) << referrers.error().message;
  EXPECT_EQ(referrers->size(), static_cast<std::size_t>(kReferrers));
}

}  // namespace
}  // namespace transfer
