#include "storage/s3_live_put.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <future>

namespace storage {

namespace {

// O_DIRECT wants block-aligned buffers, offsets and lengths; a ring block is all three.
constexpr std::size_t kBlockBytes = std::size_t{1} << 20;
constexpr std::size_t kRingBlocks = 8;
constexpr std::size_t kAlignment = 4096;

}  // namespace

void LiveBody::FreeAligned::operator()(std::byte* block) const { std::free(block); }

namespace {

// Another open file description of the spool (O_DIRECT is one's own, not the descriptor's),
// reached through the descriptor rather than the name, which a sweep may have removed.
int reopen_for_writing(int fd, bool direct) {
  const std::string self = "/proc/self/fd/" + std::to_string(fd);
  return ::open(self.c_str(), O_WRONLY | O_CLOEXEC | (direct ? O_DIRECT : 0));
}

}  // namespace

LiveBody::LiveBody(std::uint64_t length, const Spool& spool)
    : length_(length), spool_fd_(spool.fd()), spool_path_(spool.path().string()) {
  // tmpfs and some others refuse O_DIRECT: the page cache serves then.
  direct_fd_ = reopen_for_writing(spool_fd_, true);
  direct_ = direct_fd_ >= 0;
  if (!direct_) direct_fd_ = reopen_for_writing(spool_fd_, false);
  ring_.resize(kRingBlocks);  // allocated as the bytes come: a small blob takes a block
}

LiveBody::~LiveBody() {
  if (direct_fd_ >= 0) ::close(direct_fd_);
}

std::byte* LiveBody::slot(std::uint64_t offset) {
  return ring_[(offset / kBlockBytes) % kRingBlocks].get() + offset % kBlockBytes;
}

std::uint64_t LiveBody::sendable() const {
  return released_ ? size_ : std::min(size_, length_ - 1);
}

std::uint64_t LiveBody::size() const {
  std::lock_guard lock(mutex_);
  return size_;
}

bool LiveBody::aborted() const {
  std::lock_guard lock(mutex_);
  return aborted_;
}

bool LiveBody::over() const {
  std::lock_guard lock(mutex_);
  return over_;
}

Result<void> LiveBody::failed(sys::Error error) {
  abort();
  return std::unexpected(std::move(error));
}

Result<void> LiveBody::spool_block(std::uint64_t first) {
  if (direct_fd_ < 0) return sys::fail(sys::Errc::kIo, "cannot open spool file " + spool_path_);
  const std::byte* block = slot(first);
  std::size_t done = 0;
  while (done < kBlockBytes) {
    const ssize_t n =
        ::pwrite(direct_fd_, block + done, kBlockBytes - done, static_cast<off_t>(first + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL && direct_) {
      // The file system took O_DIRECT at open but not for writing: the page cache serves.
      ::close(direct_fd_);
      direct_fd_ = reopen_for_writing(spool_fd_, false);
      direct_ = false;
      if (direct_fd_ < 0) return sys::os_error("open spool file", spool_path_, errno);
      continue;
    }
    if (n <= 0) return sys::os_error("write spool file", spool_path_, errno);
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<void> LiveBody::append(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    std::unique_lock lock(mutex_);
    if (aborted_ || over_) return sys::fail(sys::Errc::kIo, "the PutObject is over");
    if (size_ % kBlockBytes == 0 && size_ >= kRingBlocks * kBlockBytes) {
      // A new block takes the place of the ring's oldest: once the transfer has sent it (so
      // that it keeps sending from memory), it goes to the spool for any later retry.
      const std::uint64_t oldest = size_ - kRingBlocks * kBlockBytes;
      writable_.wait(lock, [&] { return sending_ >= oldest + kBlockBytes || aborted_ || over_; });
      if (aborted_ || over_) return sys::fail(sys::Errc::kIo, "the PutObject is over");
      // Only this thread changes a block: it is stable while written, and read meanwhile.
      lock.unlock();
      if (auto spooled = spool_block(oldest); !spooled) return failed(spooled.error());
      lock.lock();
      spooled_ = oldest + kBlockBytes;
    }
    Block& block = ring_[(size_ / kBlockBytes) % kRingBlocks];
    if (!block) {
      block.reset(static_cast<std::byte*>(std::aligned_alloc(kAlignment, kBlockBytes)));
      if (!block) {
        lock.unlock();
        return failed(sys::Error{sys::Errc::kIo, "out of memory for a PutObject's ring"});
      }
    }
    const std::size_t n = std::min(kBlockBytes - size_ % kBlockBytes, bytes.size());
    std::memcpy(slot(size_), bytes.data(), n);
    size_ += n;
    bytes = bytes.subspan(n);
    lock.unlock();
    readable_.notify_one();
  }
  return {};
}

void LiveBody::release() {
  {
    std::lock_guard lock(mutex_);
    released_ = true;
  }
  readable_.notify_all();
}

void LiveBody::abort() {
  {
    std::lock_guard lock(mutex_);
    aborted_ = true;
  }
  readable_.notify_all();
  writable_.notify_all();
}

void LiveBody::transfer_over() {
  {
    std::lock_guard lock(mutex_);
    over_ = true;
  }
  writable_.notify_all();
}

std::optional<std::size_t> LiveBody::read(std::uint64_t offset, std::span<std::byte> buffer) {
  std::unique_lock lock(mutex_);
  sending_ = offset;  // a new attempt starts again from the first byte
  readable_.wait(lock, [&] { return aborted_ || offset >= length_ || sendable() > offset; });
  if (aborted_) return std::nullopt;
  if (offset >= length_) return 0;
  std::size_t n = 0;
  if (offset >= spooled_) {  // in the ring
    // Up to the end of the block, as the next may be elsewhere in the ring.
    n = static_cast<std::size_t>(std::min<std::uint64_t>(
        {std::uint64_t{buffer.size()}, sendable() - offset, kBlockBytes - offset % kBlockBytes}));
    std::memcpy(buffer.data(), slot(offset), n);
  } else {
    // A retry, behind the ring: from the spool, whose blocks no longer change.
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), spooled_ - offset));
    lock.unlock();
    const ssize_t got = ::pread(spool_fd_, buffer.data(), want, static_cast<off_t>(offset));
    if (got <= 0) return std::nullopt;
    n = static_cast<std::size_t>(got);
    lock.lock();
  }
  sending_ = offset + n;
  // The writer waits for whole blocks to be sent: it is woken only when one is.
  const bool block_sent = sending_ / kBlockBytes != offset / kBlockBytes;
  lock.unlock();
  if (block_sent) writable_.notify_one();
  return n;
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
        body_(length, spool_) {
    sending_ = std::async(std::launch::async, [this] {
      auto sent = client_->put_object(key_, S3Body{"", -1, 0, length_, &body_}, {});
      body_.transfer_over();
      return sent;
    });
  }

  ~LivePutWriter() override {
    if (settled_) return;
    body_.abort();
    sending_.wait();  // it reads the ring and the spool, which go with this writer
  }
  LivePutWriter(const LivePutWriter&) = delete;
  LivePutWriter& operator=(const LivePutWriter&) = delete;

  Result<void> write(std::span<const std::byte> bytes) override {
    if (settled_) return sys::fail(sys::Errc::kIo, "S3 PutObject " + key_ + ": already sent");
    if (bytes.size() > length_ - body_.size()) {
      return sys::fail(sys::Errc::kInvalid, "S3 PutObject " + key_ + ": more than the " +
                                                std::to_string(length_) + " bytes announced");
    }
    auto appended = body_.append(bytes);
    if (!appended && body_.over()) {
      // The PutObject ended before its last byte: it failed (refused, out of retries), and
      // says why in a moment.
      settled_ = true;
      if (auto sent = sending_.get(); !sent) return sent;
    }
    return appended;
  }

  std::uint64_t size() const override { return body_.size(); }

  Result<void> publish() override {
    if (settled_) return sys::fail(sys::Errc::kIo, "S3 PutObject " + key_ + ": already sent");
    if (body_.size() != length_) {
      return sys::fail(sys::Errc::kInvalid, "S3 PutObject " + key_ + ": " +
                                                std::to_string(body_.size()) + " of the " +
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
