#include "storage/s3_segmented_reader.h"

namespace storage {

namespace {

class SegmentedReader final : public Reader {
 public:
  SegmentedReader(std::shared_ptr<S3Client> client, std::string file_key, SegmentIndex index,
                  std::uint64_t offset)
      : client_(std::move(client)), file_key_(std::move(file_key)), index_(std::move(index)) {
    // Skip the segments before the offset; the first one read starts inside.
    while (next_ < index_.segments.size() && offset >= index_.segments[next_].used) {
      offset -= index_.segments[next_].used;
      ++next_;
    }
    offset_in_next_ = offset;
  }

  Result<std::size_t> read(std::span<std::byte> buffer) override {
    while (true) {
      if (!current_) {
        if (next_ == index_.segments.size()) return 0;
        const Segment& segment = index_.segments[next_++];
        current_ = client_->open_object(segment_key(file_key_, segment.name), offset_in_next_,
                                        segment.used);
        offset_in_next_ = 0;
      }
      auto n = current_->read(buffer);
      if (!n || *n > 0 || buffer.empty()) return n;
      current_.reset();
    }
  }

 private:
  std::shared_ptr<S3Client> client_;
  std::string file_key_;
  SegmentIndex index_;
  std::size_t next_ = 0;
  std::uint64_t offset_in_next_ = 0;
  std::unique_ptr<Reader> current_;
};

}  // namespace

std::unique_ptr<Reader> make_segmented_reader(std::shared_ptr<S3Client> client,
                                              std::string file_key, SegmentIndex index,
                                              std::uint64_t offset) {
  return std::make_unique<SegmentedReader>(std::move(client), std::move(file_key), std::move(index),
                                           offset);
}

}  // namespace storage
