#include "storage/s3_writer.h"

#include <random>

#include "storage/s3_upload.h"

namespace storage {

namespace {

// Unique per session, so that two sessions (or a crashed one) never share a segment object;
// the number in front keeps the keys in file order for a human reading a listing.
std::string new_segment_name(std::size_t number) {
  thread_local std::mt19937_64 random(std::random_device{}());
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string name = std::to_string(number) + "-";
  std::uint64_t bits = random();
  for (int i = 0; i < 16; ++i, bits >>= 4) name += kDigits[bits & 0xf];
  return name;
}

class SegmentedWriter final : public Writer {
 public:
  SegmentedWriter(std::shared_ptr<S3Client> client, std::string file_key, SegmentIndex kept,
                  std::vector<std::string> obsolete, const std::filesystem::path& spool_directory)
      : client_(std::move(client)),
        file_key_(std::move(file_key)),
        kept_(std::move(kept)),
        obsolete_(std::move(obsolete)),
        name_(new_segment_name(kept_.segments.size())),
        upload_(client_, segment_key(file_key_, name_), {}, spool_directory) {}

  ~SegmentedWriter() override {
    // Dropping a writer keeps what was written (driver.h), as a closed file would.
    if (state_ == State::kOpen) (void)commit();
  }
  SegmentedWriter(const SegmentedWriter&) = delete;
  SegmentedWriter& operator=(const SegmentedWriter&) = delete;

  Result<void> write(std::span<const std::byte> bytes) override {
    if (auto open = check_open(); !open) return open;
    auto written = upload_.write(bytes);
    if (!written) fail();
    return written;
  }

  std::uint64_t size() const override { return kept_.size() + upload_.size(); }

  Result<void> commit() override {
    if (auto open = check_open(); !open) return open;
    SegmentIndex index = kept_;
    if (upload_.size() > 0) {
      if (auto finished = upload_.finish(); !finished) {
        fail();
        return finished;
      }
      index.segments.push_back({name_, upload_.size(), upload_.size()});
    }
    auto indexed = client_->put_object(file_key_, S3Body{serialize(index)}, index_metadata(index));
    if (!indexed) {
      fail();
      if (upload_.size() > 0) (void)client_->delete_object(segment_key(file_key_, name_));
      return indexed;
    }
    state_ = State::kCommitted;
    // Leftovers only cost space (nothing names them), so a failure here is not the writer's.
    if (!obsolete_.empty()) (void)client_->delete_objects(obsolete_);
    return {};
  }

 private:
  enum class State { kOpen, kCommitted, kFailed };

  Result<void> check_open() const {
    if (state_ == State::kOpen) return {};
    return sys::fail(sys::Errc::kIo,
                     "S3 writer of " + file_key_ + ": " +
                         (state_ == State::kCommitted ? "already committed" : "failed before"));
  }

  // A failed session publishes nothing: the index keeps naming what it named before.
  void fail() {
    state_ = State::kFailed;
    upload_.abort();
  }

  std::shared_ptr<S3Client> client_;
  std::string file_key_;
  SegmentIndex kept_;
  std::vector<std::string> obsolete_;
  std::string name_;
  S3Upload upload_;
  State state_ = State::kOpen;
};

}  // namespace

Metadata index_metadata(const SegmentIndex& index) {
  return {{std::string(kSegmentsMetadata), "1"},
          {std::string(kSizeMetadata), std::to_string(index.size())}};
}

std::unique_ptr<Writer> make_segmented_writer(std::shared_ptr<S3Client> client,
                                              std::string file_key, SegmentIndex kept,
                                              std::vector<std::string> obsolete,
                                              const std::filesystem::path& spool_directory) {
  return std::make_unique<SegmentedWriter>(std::move(client), std::move(file_key), std::move(kept),
                                           std::move(obsolete), spool_directory);
}

}  // namespace storage
