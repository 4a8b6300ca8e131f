#include "transfer/fan_out_blob.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <vector>

#include "transfer/blob_pipe.h"
#include "transfer/layout_store.h"
#include "transfer/test_images.h"

namespace transfer {
namespace {

using testing::LayoutWriter;
using testing::RecordingProgress;
using testsupport::TempDir;

// An ImageStore that passes every call to `inner`; tests override what they break.
class ForwardingStore : public ImageStore {
 public:
  explicit ForwardingStore(std::unique_ptr<ImageStore> inner) : inner_(std::move(inner)) {}
  std::string describe() const override { return inner_->describe(); }
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
    return inner_->read_blob(blob, offset, sink);
  }
  oci::Result<bool> has_manifest(const oci::Digest& digest) override {
    return inner_->has_manifest(digest);
  }
  oci::Result<void> put_manifest(std::string_view body, std::string_view media_type,
                                 const oci::Digest& digest, std::string_view tag) override {
    return inner_->put_manifest(body, media_type, digest, tag);
  }
  oci::Result<bool> has_blob(const oci::Descriptor& blob) override {
    return inner_->has_blob(blob);
  }
  oci::Result<bool> mount_blob(const oci::Descriptor& blob, const ImageStore& from) override {
    return inner_->mount_blob(blob, from);
  }
  oci::Result<std::int64_t> resume_offset(const oci::Descriptor& blob) override {
    return inner_->resume_offset(blob);
  }
  oci::Result<void> write_blob(const oci::Descriptor& blob, std::int64_t offset,
                               const client::ByteSource& source) override {
    ++writes;
    return inner_->write_blob(blob, offset, source);
  }

  std::atomic<int> reads{0};
  std::atomic<int> writes{0};

 protected:
  std::unique_ptr<ImageStore> inner_;
};

// Reads some bytes, then fails: the first read after `fail_after` bytes, every later one at
// once (a source that stays down).
class FailingSource final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  oci::Result<void> read_blob(const oci::Descriptor& blob, std::int64_t offset,
                              const client::ByteSink& sink) override {
    ++reads;
    if (offset > 0) return oci::fail(oci::ErrorCode::kInternal, "connection refused");
    std::int64_t passed = 0;
    auto read = inner_->read_blob(blob, 0, [&](std::span<const std::byte> bytes) {
      const auto n =
          std::min<std::int64_t>(static_cast<std::int64_t>(bytes.size()), kFailAfter - passed);
      passed += n;
      if (n > 0) (void)sink(bytes.first(static_cast<std::size_t>(n)));
      return passed < kFailAfter ? oci::Result<void>()
                                 : oci::fail(oci::ErrorCode::kInternal, "connection reset");
    });
    return read;
  }
  static constexpr std::int64_t kFailAfter = 100'000;
};

// Serves the blob with one byte flipped.
class CorruptSource final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  oci::Result<void> read_blob(const oci::Descriptor& blob, std::int64_t offset,
                              const client::ByteSink& sink) override {
    ++reads;
    bool flipped = false;
    return inner_->read_blob(blob, offset, [&](std::span<const std::byte> bytes) {
      std::vector<std::byte> copy(bytes.begin(), bytes.end());
      if (!flipped && !copy.empty()) copy[copy.size() / 2] ^= std::byte{0xFF};
      flipped = true;
      return sink(copy);
    });
  }
};

// Takes a few bytes, then refuses the write.
class FailingDestination final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  oci::Result<void> write_blob(const oci::Descriptor&, std::int64_t,
                               const client::ByteSource& source) override {
    ++writes;
    std::vector<std::byte> buffer(1000);
    (void)source(buffer);
    return oci::fail(oci::ErrorCode::kInternal, "HTTP 503");
  }
};

class FanOutBlobTest : public ::testing::Test {
 protected:
  TempDir temp_;
  LayoutWriter source_writer_{temp_.path() / "src"};
  // Several pipe capacities: the reader must wait for the destinations on the way.
  const oci::Descriptor blob_ = source_writer_.blob(
      testing::random_bytes((2 * BlobPipe::kDefaultCapacity) + 12'345, 7), "layer");
  RecordingProgress progress_;

  std::unique_ptr<ImageStore> layout(const std::string& name) {
    auto store = LayoutStore::open(temp_.path() / name,
                                   name == "src" ? LayoutOptions() : testing::creating());
    EXPECT_TRUE(store.has_value()) << store.error().message;
    return std::move(*store);
  }

  bool holds(const std::string& name) {
    auto store = layout(name);
    auto has = store->has_blob(blob_);
    return has && *has;
  }
};

TEST_F(FanOutBlobTest, ReadsOnceForEveryDestination) {
  ForwardingStore source(layout("src"));
  ForwardingStore d1(layout("d1")), d2(layout("d2")), d3(layout("d3"));
  std::vector<ImageStore*> destinations{&d1, &d2, &d3};
  auto results = fan_out_blob(source, destinations, blob_, "image", progress_);
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i]) << results[i].error().message;
    EXPECT_EQ(results[i]->outcome, BlobOutcome::kCopied);
    EXPECT_EQ(results[i]->bytes, blob_.size);
  }
  EXPECT_EQ(source.reads, 1);
  for (const char* name : {"d1", "d2", "d3"}) EXPECT_TRUE(holds(name)) << name;
}

TEST_F(FanOutBlobTest, ADestinationThatHasTheBlobIsNotFed) {
  ForwardingStore source(layout("src"));
  ForwardingStore d1(layout("d1")), d2(layout("d2"));
  std::vector<ImageStore*> first{&d1};
  ASSERT_TRUE(fan_out_blob(source, first, blob_, "image", progress_).front());
  std::vector<ImageStore*> both{&d1, &d2};
  auto results = fan_out_blob(source, both, blob_, "image", progress_);
  ASSERT_TRUE(results[0] && results[1]);
  EXPECT_EQ(results[0]->outcome, BlobOutcome::kSkipped);
  EXPECT_EQ(results[1]->outcome, BlobOutcome::kCopied);
  EXPECT_EQ(d1.writes, 1);  // the first call's only
  EXPECT_EQ(source.reads, 2);
}

TEST_F(FanOutBlobTest, AFailingDestinationDropsOutAndTheOthersComplete) {
  ForwardingStore source(layout("src"));
  ForwardingStore d1(layout("d1")), d3(layout("d3"));
  FailingDestination d2(layout("d2"));
  std::vector<ImageStore*> destinations{&d1, &d2, &d3};
  auto results = fan_out_blob(source, destinations, blob_, "image", progress_);
  ASSERT_TRUE(results[0]) << results[0].error().message;
  ASSERT_FALSE(results[1]);
  EXPECT_NE(results[1].error().message.find("HTTP 503"), std::string::npos)
      << results[1].error().message;
  EXPECT_NE(results[1].error().message.find(d2.describe()), std::string::npos);
  ASSERT_TRUE(results[2]) << results[2].error().message;
  EXPECT_EQ(source.reads, 1);
  EXPECT_TRUE(holds("d1"));
  EXPECT_FALSE(holds("d2"));
  EXPECT_TRUE(holds("d3"));
}

TEST_F(FanOutBlobTest, AFailingSourceFailsEveryDestinationAndNoneCommits) {
  FailingSource source(layout("src"));
  ForwardingStore d1(layout("d1")), d2(layout("d2"));
  std::vector<ImageStore*> destinations{&d1, &d2};
  auto results = fan_out_blob(source, destinations, blob_, "image", progress_);
  for (const auto& result : results) {
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("from " + source.describe()), std::string::npos)
        << result.error().message;
  }
  EXPECT_EQ(source.reads, 2);  // the cut read continued once, and got nothing further
  EXPECT_FALSE(holds("d1"));
  EXPECT_FALSE(holds("d2"));
}

TEST_F(FanOutBlobTest, ACorruptSourceCommitsNowhere) {
  CorruptSource source(layout("src"));
  ForwardingStore d1(layout("d1")), d2(layout("d2")), d3(layout("d3"));
  std::vector<ImageStore*> destinations{&d1, &d2, &d3};
  auto results = fan_out_blob(source, destinations, blob_, "image", progress_);
  for (const auto& result : results) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, oci::ErrorCode::kDigestInvalid) << result.error().message;
  }
  EXPECT_EQ(source.reads, 1);
  for (const char* name : {"d1", "d2", "d3"}) EXPECT_FALSE(holds(name)) << name;
}

TEST_F(FanOutBlobTest, ADestinationListedTwiceIsWrittenOnce) {
  ForwardingStore source(layout("src"));
  ForwardingStore d1(layout("d1"));
  std::vector<ImageStore*> destinations{&d1, &d1};
  auto results = fan_out_blob(source, destinations, blob_, "image", progress_);
  ASSERT_TRUE(results[0] && results[1]);
  EXPECT_EQ(results[0]->outcome, BlobOutcome::kCopied);
  EXPECT_EQ(results[1]->outcome, BlobOutcome::kSkipped);
  EXPECT_EQ(d1.writes, 1);
}

}  // namespace
}  // namespace transfer
