// One fetch of a blob into a registry over the in-memory driver and SQLite: readers follow
// the bytes as they are written, and nothing of a failed fetch stays.
#include "mirror/blob_fetch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <thread>

#include "metadata/sqlite_store.h"
#include "storage/memory_driver.h"
#include "testsupport/temp_dir.h"

namespace mirror {
namespace {

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

std::string read_all(storage::Reader& reader, std::size_t length) {
  std::string out(length, '\0');
  std::size_t done = 0;
  while (done < length) {
    auto n = reader.read(std::as_writable_bytes(std::span(out.data() + done, length - done)));
    if (!n || *n == 0) break;
    done += *n;
  }
  out.resize(done);
  return out;
}

class BlobFetchTest : public testing::Test {
 protected:
  BlobFetchTest()
      : driver_(storage::make_memory_driver()),
        store_(std::move(*metadata::open_sqlite_store(dir_ / "metadata.sqlite"))),
        registry_(*driver_, *store_, registry::Options{}) {}

  // A source that serves `content` in pieces of `piece` bytes, claiming `size` bytes.
  static BlobFetch::Source serving(std::string content, std::optional<std::uint64_t> size,
                                   std::size_t piece = 1000) {
    BlobFetch::Source source;
    source.size = [size]() -> oci::Result<std::optional<std::uint64_t>> { return size; };
    source.read = [content = std::move(content), piece](
                      std::uint64_t offset, const client::ByteSink& sink) -> oci::Result<void> {
      for (std::size_t at = offset; at < content.size(); at += piece) {
        if (auto ok = sink(bytes(std::string_view(content).substr(at, piece))); !ok) return ok;
      }
      return {};
    };
    return source;
  }

  static bool keep_going() { return true; }

  testsupport::TempDir dir_;
  std::unique_ptr<storage::Driver> driver_;
  std::unique_ptr<metadata::Store> store_;
  registry::Registry registry_;
};

// Before the digest checked out, a reader of a whole blob or of a range never gets its last
// byte: no response is complete with bytes the digest may refute.
TEST(BlobFetchProgress, TheLastByteOfAnyRangeWaitsForTheDigest) {
  BlobFetch::Progress progress;
  progress.size = 1000;
  progress.written = 600;
  EXPECT_EQ(progress.sendable(0, 1000), 600u);
  EXPECT_EQ(progress.sendable(0, 100), 99u);
  EXPECT_EQ(progress.sendable(500, 100), 99u);
  EXPECT_EQ(progress.sendable(550, 100), 50u);
  EXPECT_EQ(progress.sendable(600, 100), 0u);
  EXPECT_EQ(progress.sendable(599, 1), 0u);
  progress.written = 1000;
  EXPECT_EQ(progress.sendable(0, 1000), 999u);
  progress.verified = true;
  EXPECT_EQ(progress.sendable(0, 1000), 1000u);
  EXPECT_EQ(progress.sendable(500, 100), 100u);
}

TEST_F(BlobFetchTest, StoresAndLinksAVerifiedBlob) {
  const std::string content(600'000, 'x');
  BlobFetch fetch(registry_, "up/app", oci::digest_of(content));
  EXPECT_EQ(fetch.run(serving(content, content.size()), keep_going), content.size());

  const auto progress = fetch.progress();
  EXPECT_TRUE(progress.complete);
  EXPECT_EQ(progress.sendable(0, content.size()), content.size());
  auto stored = registry_.stat_blob("up/app", oci::digest_of(content).str());
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->size, content.size());
  auto reader = fetch.open(100);
  ASSERT_TRUE(reader);
  EXPECT_EQ(read_all(**reader, content.size()), content.substr(100));
}

// Readers get the last byte once the digest checked out, before the fsync and the link.
TEST_F(BlobFetchTest, EveryByteIsSendableOnceVerifiedBeforeItIsStored) {
  const std::string content(300'000, 'v');
  BlobFetch fetch(registry_, "up/app", oci::digest_of(content));
  bool sendable_before_stored = false;
  std::function<void()> watch;
  BlobFetch::Progress seen;
  watch = [&] {
    seen = fetch.progress();
    if (seen.verified && !seen.complete && seen.sendable(0, content.size()) == content.size()) {
      sendable_before_stored = true;
    }
    if (!seen.ended()) fetch.when_changed(seen, watch);
  };
  fetch.when_changed(seen, watch);
  fetch.run(serving(content, content.size()), keep_going);
  EXPECT_TRUE(sendable_before_stored);
  EXPECT_TRUE(fetch.progress().complete);
}

TEST_F(BlobFetchTest, ALinkedBlobCompletesWithoutTheSource) {
  const std::string content = "already here";
  BlobFetch first(registry_, "up/app", oci::digest_of(content));
  first.run(serving(content, content.size()), keep_going);

  BlobFetch::Source unreachable;
  unreachable.size = []() -> oci::Result<std::optional<std::uint64_t>> {
    return oci::fail(oci::ErrorCode::kInternal, "must not be asked");
  };
  BlobFetch again(registry_, "up/app", oci::digest_of(content));
  EXPECT_EQ(again.run(unreachable, keep_going), 0U);
  EXPECT_TRUE(again.progress().complete);
  EXPECT_EQ(again.progress().size, content.size());
}

TEST_F(BlobFetchTest, BytesAnotherRepositoryHoldsAreLinkedNotDownloaded) {
  const std::string content = "a shared base layer";
  BlobFetch first(registry_, "up/one", oci::digest_of(content));
  first.run(serving(content, content.size()), keep_going);

  BlobFetch::Source size_only = serving("", content.size());
  size_only.read = [](std::uint64_t, const client::ByteSink&) -> oci::Result<void> {
    return oci::fail(oci::ErrorCode::kInternal, "must not be read");
  };
  BlobFetch second(registry_, "up/two", oci::digest_of(content));
  EXPECT_EQ(second.run(size_only, keep_going), 0U);
  EXPECT_TRUE(second.progress().complete);
  EXPECT_TRUE(registry_.stat_blob("up/two", oci::digest_of(content).str()));
  auto reader = second.open(0);
  ASSERT_TRUE(reader);
  EXPECT_EQ(read_all(**reader, content.size()), content);

  // Bytes of another size than the source says are not taken: the source is read.
  BlobFetch::Source other_size = size_only;
  other_size.size = [&]() -> oci::Result<std::optional<std::uint64_t>> {
    return content.size() + 1;
  };
  BlobFetch third(registry_, "up/three", oci::digest_of(content));
  third.run(other_size, keep_going);
  ASSERT_TRUE(third.progress().error);
  EXPECT_EQ(third.progress().error->message, "must not be read");
  EXPECT_FALSE(registry_.stat_blob("up/three", oci::digest_of(content).str()));
}

TEST_F(BlobFetchTest, CorruptBytesAreNeitherStoredNorWhollySendable) {
  const std::string content(300'000, 'a');
  std::string corrupt = content;
  corrupt[1000] = 'b';
  BlobFetch fetch(registry_, "up/app", oci::digest_of(content));
  std::uint64_t most_sendable = 0;
  std::function<void()> watch;
  BlobFetch::Progress seen;
  watch = [&] {
    seen = fetch.progress();
    most_sendable = std::max(most_sendable, seen.sendable(0, content.size()));
    if (!seen.ended()) fetch.when_changed(seen, watch);
  };
  fetch.when_changed(seen, watch);
  fetch.run(serving(corrupt, corrupt.size(), 100'000), keep_going);

  const auto progress = fetch.progress();
  ASSERT_TRUE(progress.error);
  EXPECT_EQ(progress.error->code, oci::ErrorCode::kInternal);
  EXPECT_LT(most_sendable, content.size());
  EXPECT_FALSE(registry_.stat_blob("up/app", oci::digest_of(content).str()));
  EXPECT_FALSE(fetch.open(0));
}

TEST_F(BlobFetchTest, ASha512BlobIsVerifiedAndStored) {
  const std::string content(400'000, '5');
  const oci::Digest digest = oci::digest_of(content, oci::DigestAlgorithm::kSha512);
  BlobFetch fetch(registry_, "up/app", digest);
  fetch.run(serving(content, content.size()), keep_going);
  ASSERT_FALSE(fetch.progress().error) << fetch.progress().error->message;
  EXPECT_TRUE(fetch.progress().complete);
  EXPECT_TRUE(registry_.stat_blob("up/app", digest.str()));

  std::string corrupt = content;
  corrupt[7] = '6';
  const std::string other(400'000, '7');
  BlobFetch wrong(registry_, "up/other", oci::digest_of(other, oci::DigestAlgorithm::kSha512));
  wrong.run(serving(corrupt, corrupt.size()), keep_going);
  ASSERT_TRUE(wrong.progress().error);
  EXPECT_FALSE(wrong.progress().verified);
}

// The errors readers see say what a requester needs: the mirror failed, not the request.
TEST_F(BlobFetchTest, AnUpstreamRefusalIsTheMirrorsFailureForReaders) {
  BlobFetch::Source refusing = serving("", 10);
  refusing.read = [](std::uint64_t, const client::ByteSink&) -> oci::Result<void> {
    return oci::fail(oci::ErrorCode::kUnauthorized, "token expired");
  };
  BlobFetch fetch(registry_, "up/app", oci::digest_of("0123456789"));
  fetch.run(refusing, keep_going);
  ASSERT_TRUE(fetch.progress().error);
  EXPECT_EQ(fetch.progress().error->code, oci::ErrorCode::kInternal);
  EXPECT_NE(fetch.progress().error->message.find("token expired"), std::string::npos);
}

TEST_F(BlobFetchTest, ACutTransferFailsAndLeavesNothing) {
  const std::string content(5000, 'c');
  BlobFetch fetch(registry_, "up/app", oci::digest_of(content));
  fetch.run(serving(content.substr(0, 4000), content.size()), keep_going);
  ASSERT_TRUE(fetch.progress().error);
  EXPECT_FALSE(registry_.stat_blob("up/app", oci::digest_of(content).str()));
  auto uploads = driver_->list("uploads");
  EXPECT_TRUE(!uploads || uploads->empty());
}

TEST_F(BlobFetchTest, MoreBytesThanTheSizeFail) {
  const std::string content(5000, 'c');
  BlobFetch fetch(registry_, "up/app", oci::digest_of(content));
  fetch.run(serving(content + "extra", content.size()), keep_going);
  ASSERT_TRUE(fetch.progress().error);
  EXPECT_EQ(fetch.progress().error->code, oci::ErrorCode::kInternal);
}

TEST_F(BlobFetchTest, AnUnknownBlobIsBlobUnknown) {
  BlobFetch fetch(registry_, "up/app", oci::digest_of("nowhere"));
  fetch.run(serving("", std::nullopt), keep_going);
  ASSERT_TRUE(fetch.progress().error);
  EXPECT_EQ(fetch.progress().error->code, oci::ErrorCode::kBlobUnknown);
}

TEST_F(BlobFetchTest, StoppingAbandonsTheFetch) {
  const std::string content(600'000, 's');
  BlobFetch fetch(registry_, "up/app", oci::digest_of(content));
  fetch.run(serving(content, content.size()), [] { return false; });
  ASSERT_TRUE(fetch.progress().error);
  EXPECT_FALSE(registry_.stat_blob("up/app", oci::digest_of(content).str()));
}

// A reader on another thread follows the fetch as it is written, piece by piece, and gets
// every byte once the fetch completes.
// Runs `fetch` over a source that hands over one piece each time the reader asks for more,
// and reads along: the reader gets every byte, some of them before the fetch completed.
void read_along(BlobFetch& fetch, const std::string& content) {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t allowed = 0;
  BlobFetch::Source gated;
  gated.size = [&]() -> oci::Result<std::optional<std::uint64_t>> { return content.size(); };
  gated.read = [&](std::uint64_t, const client::ByteSink& sink) -> oci::Result<void> {
    for (std::size_t at = 0; at < content.size(); at += 50'000) {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return allowed > at; });
      lock.unlock();
      if (auto ok = sink(bytes(std::string_view(content).substr(at, 50'000))); !ok) return ok;
    }
    return {};
  };
  std::jthread fetching([&] { fetch.run(gated, [] { return true; }); });

  std::string received;
  std::unique_ptr<storage::Reader> reader;
  BlobFetch::Progress seen;
  bool saw_part = false;
  while (received.size() < content.size()) {
    {
      std::lock_guard lock(mutex);
      allowed += 300'000;  // enough for the 256 KiB piece the fetch gathers
    }
    changed.notify_all();
    std::promise<void> woken;
    fetch.when_changed(seen, [&] { woken.set_value(); });
    woken.get_future().wait();
    seen = fetch.progress();
    saw_part = saw_part || (seen.written > 0 && !seen.complete);
    ASSERT_FALSE(seen.error);
    if (!seen.size) continue;
    if (!reader && seen.written > 0) {
      auto opened = fetch.open(0);
      ASSERT_TRUE(opened);
      reader = std::move(*opened);
    }
    if (reader) received += read_all(*reader, seen.sendable(0, content.size()) - received.size());
  }
  EXPECT_EQ(received, content);
  EXPECT_TRUE(saw_part);
}

std::string alphabet(std::size_t size) {
  std::string content;
  for (std::size_t i = 0; i < size; ++i) content += static_cast<char>('a' + i % 26);
  return content;
}

TEST_F(BlobFetchTest, AReaderFollowsTheBytesAsTheyArrive) {
  const std::string content = alphabet(1'000'000);
  BlobFetch fetch(registry_, "up/app", oci::digest_of(content));
  read_along(fetch, content);
}

// Storage that shows a file's bytes only once its writer committed, as object storage does.
class CompleteOnlyDriver final : public storage::Driver {
 public:
  CompleteOnlyDriver() : inner_(storage::make_memory_driver()) {}
  sys::Result<storage::FileInfo> stat(std::string_view path) override { return inner_->stat(path); }
  sys::Result<std::unique_ptr<storage::Reader>> reader(std::string_view path,
                                                       std::uint64_t offset) override {
    return inner_->reader(path, offset);
  }
  sys::Result<std::unique_ptr<storage::Writer>> writer(std::string_view path,
                                                       std::uint64_t keep) override {
    auto content = keep == 0 ? sys::Result<std::string>("") : inner_->get_content(path, keep);
    if (!content) return std::unexpected(content.error());
    return std::make_unique<Writer>(*inner_, std::string(path), content->substr(0, keep));
  }
  sys::Result<void> put_content(std::string_view path, std::string_view content) override {
    return inner_->put_content(path, content);
  }
  sys::Result<std::string> get_content(std::string_view path, std::uint64_t max) override {
    return inner_->get_content(path, max);
  }
  sys::Result<void> move(std::string_view from, std::string_view to) override {
    return inner_->move(from, to);
  }
  sys::Result<void> remove(std::string_view path) override { return inner_->remove(path); }
  sys::Result<std::vector<std::string>> list(std::string_view directory) override {
    return inner_->list(directory);
  }

 private:
  class Writer final : public storage::Writer {
   public:
    Writer(storage::Driver& inner, std::string path, std::string kept)
        : inner_(inner), path_(std::move(path)), bytes_(std::move(kept)) {}
    sys::Result<void> write(std::span<const std::byte> bytes) override {
      bytes_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      return {};
    }
    std::uint64_t size() const override { return bytes_.size(); }
    sys::Result<void> commit() override { return inner_.put_content(path_, bytes_); }

   private:
    storage::Driver& inner_;
    std::string path_;
    std::string bytes_;
  };
  std::unique_ptr<storage::Driver> inner_;
};

TEST(BlobFetchOnObjectStorage, AReaderFollowsTheBytesThroughTheSpool) {
  testsupport::TempDir dir;
  CompleteOnlyDriver driver;
  auto store = std::move(*metadata::open_sqlite_store(dir / "metadata.sqlite"));
  registry::Registry registry(driver, *store, registry::Options{});
  ASSERT_FALSE(registry.uploads_readable_while_written());
  auto spool = storage::make_memory_driver();

  const std::string content = alphabet(1'000'000);
  BlobFetch fetch(registry, "up/app", oci::digest_of(content), spool.get());
  read_along(fetch, content);
  EXPECT_TRUE(fetch.progress().complete);
  auto spooled = spool->list("fetches");
  ASSERT_TRUE(spooled);
  EXPECT_TRUE(spooled->empty()) << "the spool goes once the blob is stored";
  auto stored = registry.stat_blob("up/app", oci::digest_of(content).str());
  ASSERT_TRUE(stored);
  auto reader = registry.open_blob(*stored, 0);
  ASSERT_TRUE(reader);
  EXPECT_EQ(read_all(**reader, content.size()), content);
}

// Two replicas sharing storage and database (two registries over one driver and one SQLite
// file) and a lease table: one of them fetches, the other waits and links the stored blob.
TEST(BlobFetchInACluster, OneReplicaFetchesTheOtherWaits) {
  testsupport::TempDir dir;
  auto driver = storage::make_memory_driver();
  auto store_a = std::move(*metadata::open_sqlite_store(dir / "metadata.sqlite"));
  auto store_b = std::move(*metadata::open_sqlite_store(dir / "metadata.sqlite"));
  registry::Registry replica_a(*driver, *store_a, registry::Options{});
  registry::Registry replica_b(*driver, *store_b, registry::Options{});

  std::mutex mutex;
  std::map<std::string, std::string> holders;  // leases that never lapse here
  const LeaseCalls calls{
      .acquire = [&](std::string_view name, std::string_view holder,
                     std::chrono::milliseconds) -> oci::Result<bool> {
        std::lock_guard lock(mutex);
        auto [it, inserted] = holders.try_emplace(std::string(name), holder);
        return it->second == holder;
      },
      .release = [&](std::string_view name, std::string_view holder) -> oci::Result<void> {
        std::lock_guard lock(mutex);
        if (holders[std::string(name)] == holder) holders.erase(std::string(name));
        return {};
      }};
  const LeaseTiming timing{.poll_every = std::chrono::milliseconds(5)};
  const LeaseContext a{calls, "a", timing};
  const LeaseContext b{calls, "b", timing};

  const std::string content = alphabet(600'000);
  std::atomic<int> reads = 0;
  BlobFetch::Source source;
  source.size = [&]() -> oci::Result<std::optional<std::uint64_t>> { return content.size(); };
  source.read = [&](std::uint64_t, const client::ByteSink& sink) -> oci::Result<void> {
    ++reads;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the other one asks meanwhile
    return sink(bytes(content));
  };
  BlobFetch on_a(replica_a, "up/app", oci::digest_of(content), nullptr, &a);
  BlobFetch on_b(replica_b, "up/other", oci::digest_of(content), nullptr, &b);
  {
    std::jthread fetch_a([&] { on_a.run(source, [] { return true; }); });
    std::jthread fetch_b([&] { on_b.run(source, [] { return true; }); });
  }
  EXPECT_EQ(reads.load(), 1) << "one upstream fetch for the cluster";
  EXPECT_TRUE(on_a.progress().complete);
  EXPECT_TRUE(on_b.progress().complete);
  EXPECT_TRUE(replica_a.stat_blob("up/other", oci::digest_of(content).str()));
  EXPECT_TRUE(replica_b.stat_blob("up/app", oci::digest_of(content).str()));
  EXPECT_TRUE(holders.empty()) << "the lease is given back";
}

}  // namespace
}  // namespace mirror
