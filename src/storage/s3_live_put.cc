#include "storage/s3_live_put.h"

#include <future>

#include "storage/s3_spool.h"

namespace storage {

void LiveBody::grew(std::uint64_t available) {
  {
    std::lock_guard lock(mutex_);
    available_ = available;
  }
  changed_.notify_all();
}

void LiveBody::release() {
  {
    std::lock_guard lock(mutex_);
    released_ = true;
  }
  changed_.notify_all();
}

void LiveBody::abort() {
  {
    std::lock_guard lock(mutex_);
    aborted_ = true;
  }
  changed_.notify_all();
}

std::uint64_t LiveBody::sendable() const {
  return released_ ? available_ : std::min(available_, length_ - 1);
}

std::optional<std::uint64_t> LiveBody::wait_beyond(std::uint64_t sent) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return aborted_ || sent >= length_ || sendable() > sent; });
  if (aborted_) return std::nullopt;
  return std::max(sent, sendable());
}

namespace {

class LivePutWriter final : public StagedWriter {
 public:
  LivePutWriter(std::shared_ptr<S3Client> client, std::string key, std::uint64_t length,
                Spool spool)
      : client_(std::move(client)),
        key_(std::move(key)),
        length_(length),
        spool_(std::move(spool)),
        body_(length) {
    sending_ = std::async(std::launch::async, [this] {
      return client_->put_object(key_, S3Body{"", spool_.fd(), 0, length_, &body_}, {});
    });
  }

  ~LivePutWriter() override {
    if (settled_) return;
    body_.abort();
    sending_.wait();  // it reads the spool, which goes with this writer
  }
  LivePutWriter(const LivePutWriter&) = delete;
  LivePutWriter& operator=(const LivePutWriter&) = delete;

  Result<void> write(std::span<const std::byte> bytes) override {
    if (settled_) return sys::fail(sys::Errc::kIo, "S3 PutObject " + key_ + ": already sent");
    if (bytes.size() > length_ - spool_.size()) {
      return sys::fail(sys::Errc::kInvalid, "S3 PutObject " + key_ + ": more than the " +
                                                std::to_string(length_) + " bytes announced");
    }
    // A PutObject that failed already (refused, out of retries) is not fed any longer.
    if (sending_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      auto sent = sending_.get();
      settled_ = true;  // no transfer is left to stop
      if (!sent) return sent;
      return sys::fail(sys::Errc::kIo, "S3 PutObject " + key_ + ": ended before its last byte");
    }
    if (auto appended = spool_.append(bytes); !appended) return appended;
    body_.grew(spool_.size());
    return {};
  }

  std::uint64_t size() const override { return spool_.size(); }

  Result<void> publish() override {
    if (settled_) return sys::fail(sys::Errc::kIo, "S3 PutObject " + key_ + ": already sent");
    if (spool_.size() != length_) {
      return sys::fail(sys::Errc::kInvalid, "S3 PutObject " + key_ + ": " +
                                                std::to_string(spool_.size()) + " of the " +
                                                std::to_string(length_) + " bytes announced");
    }
    body_.release();
    settled_ = true;
    return sending_.get();
  }

 private:
  std::shared_ptr<S3Client> client_;
  const std::string key_;
  const std::uint64_t length_;
  Spool spool_;
  LiveBody body_;
  std::future<Result<void>> sending_;
  bool settled_ = false;
};

}  // namespace

Result<std::unique_ptr<StagedWriter>> make_live_put_writer(std::shared_ptr<S3Client> client,
                                                           std::string key, std::uint64_t length,
                                                           const std::filesystem::path& spool) {
  auto created = Spool::create(spool);
  if (!created) return std::unexpected(created.error());
  return std::make_unique<LivePutWriter>(std::move(client), std::move(key), length,
                                         std::move(*created));
}

}  // namespace storage
