#include "storage/s3_upload.h"

#include <utility>

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
  if (done_) return sys::fail(sys::Errc::kIo, "S3 upload " + key_ + ": finished or failed before");
  const std::uint64_t part_size = client_->options().part_size;
  while (!bytes.empty()) {
    if (!filling_) {
      auto spool = Spool::create(spool_directory_);
      if (!spool) return give_up(std::unexpected(spool.error()));
      filling_.emplace(std::move(*spool));
    }
    const auto room = static_cast<std::size_t>(
        std::min<std::uint64_t>(bytes.size(), part_size - filling_->size()));
    if (auto appended = filling_->append(bytes.first(room)); !appended) return give_up(appended);
    size_ += room;
    bytes = bytes.subspan(room);
    if (filling_->size() == part_size) {
      if (auto flushed = flush_part(); !flushed) return give_up(flushed);
    }
  }
  return {};
}

Result<void> S3Upload::give_up(Result<void> failure) {
  // Nothing goes on after a failed part: the parts would no longer follow the bytes.
  abort();
  return failure;
}

Result<void> S3Upload::settle_in_flight() {
  if (!in_flight_.valid()) return {};
  auto etag = in_flight_.get();
  if (!etag) return std::unexpected(etag.error());
  parts_.push_back({static_cast<int>(parts_.size()) + 1, std::move(*etag)});
  return sending_->clear();
}

Result<void> S3Upload::flush_part() {
  if (upload_id_.empty()) {
    auto id = client_->create_multipart_upload(key_, metadata_);
    if (!id) return std::unexpected(id.error());
    upload_id_ = std::move(*id);
  }
  if (auto settled = settle_in_flight(); !settled) return settled;
  std::swap(filling_, sending_);  // the spare (or none yet) fills next
  // The part number follows the parts sent, as the one in flight has settled.
  in_flight_ =
      std::async(std::launch::async, [client = client_, key = key_, id = upload_id_,
                                      number = static_cast<int>(parts_.size()) + 1,
                                      body = S3Body{"", sending_->fd(), 0, sending_->size()}] {
        return client->upload_part(key, id, number, body);
      });
  return {};
}

Result<void> S3Upload::finish() {
  if (done_) return sys::fail(sys::Errc::kIo, "S3 upload " + key_ + ": finished or failed before");
  Result<void> finished;
  if (upload_id_.empty()) {
    S3Body body;
    if (filling_) body = S3Body{"", filling_->fd(), 0, filling_->size()};
    finished = client_->put_object(key_, body, metadata_);
  } else {
    if (filling_ && filling_->size() > 0) finished = flush_part();
    if (finished) finished = settle_in_flight();
    if (finished) finished = client_->complete_multipart_upload(key_, upload_id_, parts_);
  }
  if (!finished) return give_up(finished);
  done_ = true;
  filling_.reset();
  sending_.reset();
  return {};
}

void S3Upload::abort() {
  done_ = true;
  if (in_flight_.valid()) in_flight_.wait();  // it reads a spool that is about to go
  filling_.reset();
  sending_.reset();
  if (!upload_id_.empty()) (void)client_->abort_multipart_upload(key_, upload_id_);
  upload_id_.clear();
}

}  // namespace storage
