// The S3 driver against s3rver (started by the test on loopback): the conformance suite, and
// what only an object store shows: retries through faults, bounded spool and memory,
// segments assembled by move, presigned URLs. Skipped when node or s3rver is missing.
#include "storage/s3_driver.h"

#include <curl/curl.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include "storage/capabilities.h"
#include "storage/driver_conformance.h"
#include "storage/s3_client.h"
#include "storage/s3_test_server.h"

namespace storage {

namespace {

namespace fs = std::filesystem;
using testing_s3::FaultProxy;
using testing_s3::S3TestServer;

// One s3rver for the whole binary (started on first use, stopped at exit); every driver gets
// its own key prefix, so each test starts from an empty store.
S3TestServer* server() {
  static std::unique_ptr<S3TestServer> started = S3TestServer::start();
  return started.get();
}

class StopServer : public testing::Environment {
 public:
  void TearDown() override {
    if (server() != nullptr) fs::remove_all(spool_root());
  }
  static fs::path spool_root() { return fs::path(testing::TempDir()) / "regmirror-s3-spool"; }
};

[[maybe_unused]] testing::Environment* const stop_server =
    testing::AddGlobalTestEnvironment(new StopServer);

std::string fresh_prefix() {
  static std::atomic<int> next{0};
  return "t" + std::to_string(::getpid()) + "-" + std::to_string(next++);
}

std::unique_ptr<Driver> driver_with(const S3Options& options, const fs::path& spool) {
  auto driver = make_s3_driver(options, spool);
  if (!driver) throw std::runtime_error(driver.error().message);
  return std::move(*driver);
}

std::unique_ptr<Driver> fresh_s3_driver() {
  if (server() == nullptr) return nullptr;
  return driver_with(server()->options(fresh_prefix()), StopServer::spool_root());
}

INSTANTIATE_TEST_SUITE_P(S3, DriverConformance, testing::Values(DriverFactory(fresh_s3_driver)));

std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text));
}

std::string pattern(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(generator());
  return bytes;
}

// Order-sensitive: a byte at the wrong offset changes it.
std::uint64_t fold(std::uint64_t sum, std::byte byte, std::uint64_t offset) {
  return sum * 1099511628211ULL + (static_cast<std::uint64_t>(byte) ^ (offset * 31));
}

testing::AssertionResult write_file(Driver& driver, std::string_view path, std::string_view content,
                                    std::uint64_t keep) {
  auto writer = driver.writer(path, keep);
  if (!writer) return testing::AssertionFailure() << writer.error().message;
  if (auto written = (*writer)->write(bytes_of(content)); !written) {
    return testing::AssertionFailure() << written.error().message;
  }
  if (auto committed = (*writer)->commit(); !committed) {
    return testing::AssertionFailure() << committed.error().message;
  }
  return testing::AssertionSuccess();
}

std::uint64_t spooled_bytes(const fs::path& spool) {
  std::uint64_t total = 0;
  if (!fs::exists(spool)) return 0;
  for (const auto& entry : fs::directory_iterator(spool)) total += entry.file_size();
  return total;
}

// What the 64 MiB test may add to the peak: AddressSanitizer keeps freed memory in quarantine
// (256 MiB by default), so freed buffers still count there.
#ifdef __SANITIZE_ADDRESS__
constexpr std::uint64_t kMemoryBound = std::uint64_t{48} << 20;
#else
constexpr std::uint64_t kMemoryBound = std::uint64_t{24} << 20;
#endif

// Peak resident memory since the last reset_peak_memory(), in bytes (Linux).
std::uint64_t peak_memory() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}
void reset_peak_memory() { std::ofstream("/proc/self/clear_refs") << "5"; }

class S3DriverTest : public testing::Test {
 protected:
  void SetUp() override {
    if (server() == nullptr) GTEST_SKIP() << "node or s3rver missing (install-deps.sh --test)";
    spool_ = fs::path(testing::TempDir()) / ("regmirror-s3-spool-" + fresh_prefix());
  }
  void TearDown() override { fs::remove_all(spool_); }

  fs::path spool_;
  std::string prefix_;
};

int injected_failures(const FaultProxy& proxy) {
  int failures = 0;
  for (const auto& line : proxy.log())
    failures += line.find("\"fault\": \"status") != std::string::npos;
  return failures;
}

TEST_F(S3DriverTest, WritesAndReadsRetryThroughFaults) {
  const std::string content = pattern(6 << 20, 3);  // more than a part: a multipart upload
  {
    // The first part upload fails four times (of five attempts): its body is sent again
    // from the spool; and every body crawls.
    FaultProxy proxy(server()->options("").endpoint, server()->directory(),
                     {"--fail-status", "500", "--fail-times", "4", "--fail-match",
                      "partNumber=", "--throttle", "8000000"});
    S3Options options = server()->options(fresh_prefix());
    options.endpoint = proxy.endpoint();
    prefix_ = options.prefix;
    auto driver = driver_with(options, spool_);
    auto writer = driver->writer("uploads/u/data", 0);
    ASSERT_TRUE(writer) << writer.error().message;
    ASSERT_TRUE((*writer)->write(bytes_of(content)));
    ASSERT_TRUE((*writer)->commit());
    ASSERT_TRUE(driver->move("uploads/u/data", "blobs/b"));
    EXPECT_EQ(injected_failures(proxy), 4);
  }
  // Reading: the HEAD passes, then the GET fails three times with 503 SlowDown-like answers
  // and the reader starts it again.
  FaultProxy proxy(server()->options("").endpoint, server()->directory(),
                   {"--fail-status", "503", "--fail-times", "3", "--fail-after", "1",
                    "--fail-match", "/blobs/b$"});
  S3Options options = server()->options(prefix_);
  options.endpoint = proxy.endpoint();
  auto driver = driver_with(options, spool_);
  auto reader = driver->reader("blobs/b", 0);
  ASSERT_TRUE(reader) << reader.error().message;
  std::string read(content.size(), '\0');
  std::size_t at = 0;
  while (at < read.size()) {
    auto n = (*reader)->read(std::as_writable_bytes(std::span(read).subspan(at)));
    ASSERT_TRUE(n) << n.error().message;
    ASSERT_GT(*n, 0u);
    at += *n;
  }
  EXPECT_TRUE(read == content);
  EXPECT_EQ(injected_failures(proxy), 3);
}

TEST_F(S3DriverTest, StagedPutOfKnownSizeIsSentAgainFromTheSpoolWhenCut) {
  // The first PutObject is cut after 12 MiB: past the bytes kept in memory (8 MiB), so that
  // its retry sends the first bytes again from the spool file.
  FaultProxy proxy(server()->options("").endpoint, server()->directory(),
                   {"--cut-upload-after", std::to_string(12 << 20), "--match", "/staged/data$"});
  S3Options options = server()->options(fresh_prefix());
  options.endpoint = proxy.endpoint();
  auto driver = driver_with(options, spool_);
  const std::string content = pattern((std::size_t{20} << 20) + 5, 9);
  auto writer = staged_writes(*driver)->staged_writer("staged/data", content.size());
  ASSERT_TRUE(writer) << writer.error().message;
  for (std::size_t at = 0; at < content.size(); at += 300'001) {
    ASSERT_TRUE((*writer)->write(bytes_of(std::string_view(content).substr(at, 300'001))));
  }
  auto published = (*writer)->publish();
  ASSERT_TRUE(published) << published.error().message;
  auto stored = driver->get_content("staged/data", content.size());
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_TRUE(*stored == content);
  int puts = 0;
  for (const auto& line : proxy.log()) puts += line.find("\"PUT\"") != std::string::npos ? 1 : 0;
  EXPECT_EQ(puts, 2) << "the cut PutObject and its retry";
}

TEST_F(S3DriverTest, SpoolFilesLeftByAKilledProcessAreSweptAtStart) {
  fs::create_directories(spool_);
  std::ofstream(spool_ / "s3-spool-Ab12Cd") << "a part of a process killed mid-upload";
  std::ofstream(spool_ / "other") << "not a spool file";
  auto driver = driver_with(server()->options(fresh_prefix()), spool_);
  EXPECT_FALSE(fs::exists(spool_ / "s3-spool-Ab12Cd"));
  EXPECT_TRUE(fs::exists(spool_ / "other"));
}

TEST_F(S3DriverTest, WriteThatExhaustsRetriesFailsAndLeavesNothingVisible) {
  // Every part upload fails.
  FaultProxy proxy(server()->options("").endpoint, server()->directory(),
                   {"--fail-status", "503", "--fail-times", "0", "--fail-match", "partNumber="});
  S3Options options = server()->options(fresh_prefix());
  options.endpoint = proxy.endpoint();
  auto driver = driver_with(options, spool_);

  {
    auto writer = driver->writer("uploads/u/data", 0);
    ASSERT_TRUE(writer);
    // The first part goes while the rest is spooled: its failure shows at the commit.
    ASSERT_TRUE((*writer)->write(bytes_of(pattern(6 << 20, 4))));
    auto committed = (*writer)->commit();
    ASSERT_FALSE(committed);
    EXPECT_NE(committed.error().message.find("UploadPart"), std::string::npos)
        << committed.error().message;
    EXPECT_NE(committed.error().message.find("gave up after 5 attempts"), std::string::npos)
        << committed.error().message;
    EXPECT_FALSE((*writer)->write(bytes_of("more")));
  }
  EXPECT_EQ(driver->stat("uploads/u/data").error().code, sys::Errc::kNotFound);
  auto names = driver->list("uploads/u");
  ASSERT_TRUE(names);
  EXPECT_TRUE(names->empty());
  EXPECT_EQ(spooled_bytes(spool_), 0u);
}

TEST_F(S3DriverTest, WriterSpoolsAtMostTwoPartsAndReadersStream) {
  const S3Options options = server()->options(fresh_prefix());
  auto driver = driver_with(options, spool_);
  constexpr std::size_t kTotal = std::size_t{64} << 20;
  constexpr std::size_t kPiece = 256 * 1024 + 7;
  reset_peak_memory();
  const std::uint64_t before = peak_memory();
  std::mt19937_64 generator(5);
  std::uint64_t checksum = 0;
  std::uint64_t at_byte = 0;
  {
    auto writer = driver->writer("big", 0);
    ASSERT_TRUE(writer);
    std::vector<std::uint64_t> piece(kPiece / 8);
    for (std::size_t at = 0; at < kTotal; at += piece.size() * 8) {
      for (auto& word : piece) word = generator();
      for (std::byte byte : std::as_bytes(std::span(piece)))
        checksum = fold(checksum, byte, at_byte++);
      ASSERT_TRUE((*writer)->write(std::as_bytes(std::span(piece))));
      EXPECT_LE(spooled_bytes(spool_), 2 * options.part_size);  // one filling, one in flight
    }
    ASSERT_TRUE((*writer)->commit());
  }
  EXPECT_EQ(spooled_bytes(spool_), 0u);
  auto reader = driver->reader("big", 0);
  ASSERT_TRUE(reader);
  std::vector<std::uint64_t> buffer(8192);
  std::uint64_t read_checksum = 0;
  std::uint64_t total = 0;
  while (true) {
    auto n = (*reader)->read(std::as_writable_bytes(std::span(buffer)));
    ASSERT_TRUE(n) << n.error().message;
    if (*n == 0) break;
    const auto bytes = std::as_bytes(std::span(buffer)).first(*n);
    for (std::byte byte : bytes) read_checksum = fold(read_checksum, byte, total++);
  }
  EXPECT_EQ(total, at_byte);
  EXPECT_EQ(read_checksum, checksum);
  // Neither direction held the object: the peak grew by far less than its 64 MiB.
  EXPECT_LT(peak_memory() - before, kMemoryBound) << "grew by " << (peak_memory() - before);
}

TEST_F(S3DriverTest, MoveAssemblesSegmentsAndLeavesNoneBehind) {
  const S3Options options = server()->options(fresh_prefix());
  auto driver = driver_with(options, spool_);
  const std::string first = pattern(100, 1);
  const std::string second = pattern((5 << 20) + 3, 2);
  const std::string third = pattern(7, 3);
  for (const auto& [piece, keep] :
       {std::pair{first, 0}, std::pair{second, 100}, std::pair{third, 100 + (5 << 20) + 3}}) {
    auto writer = driver->writer("uploads/u/data", keep);
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->write(bytes_of(piece)));
    ASSERT_TRUE((*writer)->commit());
  }
  ASSERT_TRUE(driver->move("uploads/u/data", "blobs/b"));
  auto content = driver->get_content("blobs/b", 16 << 20);
  ASSERT_TRUE(content);
  EXPECT_TRUE(*content == first + second + third);

  auto client = S3Client::create(options);
  ASSERT_TRUE(client);
  auto page = (*client)->list_objects(options.prefix + "/", "", "");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, options.prefix + "/blobs/b");
}

TEST_F(S3DriverTest, MoveStreamsSegmentsWhenTheStoreCannotCopyParts) {
  FaultProxy proxy(server()->options("").endpoint, server()->directory(), {});  // a recorder
  S3Options options = server()->options(fresh_prefix());
  options.endpoint = proxy.endpoint();
  options.part_copy = true;  // as configured for AWS; s3rver answers NotImplemented
  auto driver = driver_with(options, spool_);
  const std::string first = pattern((5 << 20) + 3, 4);
  const std::string second = pattern(11, 5);
  ASSERT_TRUE(write_file(*driver, "uploads/u/data", first, 0));
  ASSERT_TRUE(write_file(*driver, "uploads/u/data", second, first.size()));
  ASSERT_TRUE(driver->move("uploads/u/data", "blobs/b"));
  auto content = driver->get_content("blobs/b", 16 << 20);
  ASSERT_TRUE(content) << content.error().message;
  EXPECT_TRUE(*content == first + second);
  EXPECT_EQ(driver->stat("uploads/u/data").error().code, sys::Errc::kNotFound);
  // The copy was tried (an UploadPartCopy answered 501), then the part was sent.
  int copy_answers = 0;
  for (const auto& line : proxy.log()) {
    copy_answers += line.find("\"status\": 501") != std::string::npos &&
                    line.find("blobs/b?partNumber=1") != std::string::npos;
  }
  EXPECT_EQ(copy_answers, 1);
}

TEST_F(S3DriverTest, ListingsAndRemovalsPastOnePage) {
  // ListObjectsV2 answers 1000 keys a page, DeleteObjects takes 1000 keys a request.
  const S3Options options = server()->options(fresh_prefix());
  auto driver = driver_with(options, spool_);
  auto client = S3Client::create(options);
  ASSERT_TRUE(client);
  constexpr int kFiles = 1003;
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> next{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < kFiles; i = next++) {
        // Straight to the store: s3rver lists a prefix by walking the bucket, so the driver's
        // put_content (a PUT and a listing of the path's segments) would take seconds here.
        std::array<char, 16> name{};
        std::snprintf(name.data(), name.size(), "/d/f%04d", i);
        EXPECT_TRUE((*client)->put_object(options.prefix + name.data(), S3Body{"x"}, {}));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(driver->put_content("d/sub/file", "x"));
  auto names = driver->list("d");
  ASSERT_TRUE(names) << names.error().message;
  ASSERT_EQ(names->size(), kFiles + 1u);
  EXPECT_EQ(names->front(), "f0000");
  EXPECT_EQ((*names)[kFiles - 1], "f1002");
  EXPECT_EQ(names->back(), "sub");

  ASSERT_TRUE(driver->remove("d"));
  auto after = driver->list("d");
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->empty());
}

TEST_F(S3DriverTest, PresignedUrlServesThePlainObject) {
  S3Options options = server()->options(fresh_prefix());
  ASSERT_TRUE(driver_with(options, spool_)->put_content("blobs/b", "presigned bytes"));
  ASSERT_NE(presigned_urls(*driver_with(options, spool_)), nullptr);
  EXPECT_FALSE(presigned_urls(*driver_with(options, spool_))
                   ->presigned_url("blobs/b", std::chrono::seconds(60)));  // redirect: false
  options.redirect = true;
  auto driver = driver_with(options, spool_);
  PresignedUrlDriver* urls = presigned_urls(*driver);
  ASSERT_NE(urls, nullptr);
  EXPECT_FALSE(urls->presigned_url("missing", std::chrono::seconds(60)));
  auto url = urls->presigned_url("blobs/b", std::chrono::seconds(60));
  ASSERT_TRUE(url);

  std::string body;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url->c_str());
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* data, std::size_t size, std::size_t count, void* out) {
        static_cast<std::string*>(out)->append(data, size * count);
        return size * count;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  ASSERT_EQ(curl_easy_perform(curl), CURLE_OK);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  EXPECT_EQ(status, 200) << body;
  EXPECT_EQ(body, "presigned bytes");

  // A writer's file is no single object: no URL (the server streams it instead).
  auto writer = driver->writer("uploads/u/data", 0);
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->commit());
  EXPECT_FALSE(urls->presigned_url("uploads/u/data", std::chrono::seconds(60)));
}

TEST_F(S3DriverTest, ErrorsCarryS3sCodeAndMessage) {
  S3Options options = server()->options(fresh_prefix());
  options.credentials.access_key_id = "UNKNOWN";
  auto driver = driver_with(options, spool_);
  auto put = driver->put_content("file", "x");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, sys::Errc::kIo);
  EXPECT_NE(put.error().message.find("S3 PutObject"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("HTTP 403 InvalidAccessKeyId: The AWS Access Key Id"),
            std::string::npos)
      << put.error().message;
}

// s3rver checks no Version 4 signature; the verifier in front of it (tests/fixtures/
// sigv4_verifier.py) does, so every test here fails when the client signs wrongly, and a wrong
// secret is refused as S3 refuses it.
TEST_F(S3DriverTest, AWrongSecretIsRefused) {
  S3Options options = server()->options(fresh_prefix());
  options.credentials.secret_access_key = "not-the-secret";
  auto put = driver_with(options, spool_)->put_content("file", "x");
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().message.find("HTTP 403 SignatureDoesNotMatch"), std::string::npos)
      << put.error().message;
}

}  // namespace

}  // namespace storage
