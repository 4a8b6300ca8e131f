#include "transfer/blob_pipe.h"

#include <algorithm>
#include <cstring>

namespace transfer {

BlobPipe::BlobPipe(std::size_t capacity) : ring_(std::max<std::size_t>(capacity, 1)) {}

oci::Result<void> BlobPipe::write(std::span<const std::byte> bytes) {
  std::unique_lock lock(mutex_);
  while (!bytes.empty()) {
    changed_.wait(lock, [&] { return consumer_error_ || used_ < ring_.size(); });
    if (consumer_error_) return std::unexpected(*consumer_error_);
    // Copy into the free space after the used region, at most up to the ring's end.
    const std::size_t tail = (head_ + used_) % ring_.size();
    const std::size_t room = std::min(ring_.size() - used_, ring_.size() - tail);
    const std::size_t n = std::min(room, bytes.size());
    std::memcpy(ring_.data() + tail, bytes.data(), n);
    used_ += n;
    bytes = bytes.subspan(n);
    changed_.notify_all();
  }
  return {};
}

void BlobPipe::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

void BlobPipe::fail(oci::Error error) {
  std::lock_guard lock(mutex_);
  if (!producer_error_) producer_error_ = std::move(error);
  changed_.notify_all();
}

oci::Result<std::size_t> BlobPipe::read(std::span<std::byte> buffer) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return producer_error_ || used_ > 0 || closed_; });
  // An error wins over buffered bytes: they would be written for nothing.
  if (producer_error_) return std::unexpected(*producer_error_);
  if (used_ == 0) return std::size_t{0};
  const std::size_t n = std::min({buffer.size(), used_, ring_.size() - head_});
  std::memcpy(buffer.data(), ring_.data() + head_, n);
  head_ = (head_ + n) % ring_.size();
  used_ -= n;
  changed_.notify_all();
  return n;
}

void BlobPipe::cancel(oci::Error error) {
  std::lock_guard lock(mutex_);
  if (!consumer_error_) consumer_error_ = std::move(error);
  changed_.notify_all();
}

client::ByteSink BlobPipe::sink() {
  return [this](std::span<const std::byte> bytes) { return write(bytes); };
}

client::ByteSource BlobPipe::source() {
  return [this](std::span<std::byte> buffer) { return read(buffer); };
}

}  // namespace transfer
