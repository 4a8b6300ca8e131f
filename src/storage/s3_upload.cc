#include "storage/s3_upload.h"

namespace storage {

S3Upload::S3Upload(std::shared_ptr<S3Client> client, std::string key, Metadata metadata,
                   std::filesystem::path spool_directory)
    : client_(std::move(client)),
      key_(std::move(key)),
      metadata_(std::move(metadata)),
      spool_directory_(std::move(spool_directory)) {}

S3Upload::~S3Upload() {
  if (!done_) abort();
}

Result<void> S3Upload::write(std::span<const std::byte> bytes) {
  if (done_) return sys::fail(sys::Errc::kIo, "S3 upload " + key_ + ": already finished");
  if (!spool_) {
    auto spool = Spool::create(spool_directory_);
    if (!spool) return std::unexpected(spool.error());
    spool_.emplace(std::move(*spool));
  }
  const std::uint64_t part_size = client_->options().part_size;
  while (!bytes.empty()) {
    const auto room =
        static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), part_size - spool_->size()));
    if (auto appended = spool_->append(bytes.first(room)); !appended) return appended;
    size_ += room;
    bytes = bytes.subspan(room);
    if (spool_->size() == part_size) {
      if (auto flushed = flush_part(); !flushed) return flushed;
    }
  }
  return {};
}

Result<void> S3Upload::flush_part() {
  if (upload_id_.empty()) {
    auto id = client_->create_multipart_upload(key_, metadata_);
    if (!id) return std::unexpected(id.error());
    upload_id_ = std::move(*id);
  }
  const int number = static_cast<int>(parts_.size()) + 1;
  auto etag =
      client_->upload_part(key_, upload_id_, number, S3Body{"", spool_->fd(), 0, spool_->size()});
  if (!etag) return std::unexpected(etag.error());
  parts_.push_back({number, std::move(*etag)});
  return spool_->clear();
}

Result<void> S3Upload::finish() {
  if (done_) return sys::fail(sys::Errc::kIo, "S3 upload " + key_ + ": already finished");
  Result<void> finished;
  if (upload_id_.empty()) {
    S3Body body;
    if (spool_) body = S3Body{"", spool_->fd(), 0, spool_->size()};
    finished = client_->put_object(key_, body, metadata_);
  } else {
    if (spool_->size() > 0) finished = flush_part();
    if (finished) finished = client_->complete_multipart_upload(key_, upload_id_, parts_);
  }
  if (!finished) return finished;
  done_ = true;
  spool_.reset();
  return {};
}

void S3Upload::abort() {
  done_ = true;
  spool_.reset();
  if (!upload_id_.empty()) (void)client_->abort_multipart_upload(key_, upload_id_);
}

}  // namespace storage
