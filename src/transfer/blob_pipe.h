// A bounded byte pipe between the thread that downloads a blob and the thread that writes
// it: memory stays at `capacity` bytes whatever the blob size. Either end can stop the other
// with an error; the reader sees a producer's error instead of the end of the stream, so a
// destination never commits a blob whose bytes failed verification.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "client/byte_stream.h"
#include "oci/error.h"

namespace transfer {

class BlobPipe {
 public:
  static constexpr std::size_t kDefaultCapacity = std::size_t{4} * 1024 * 1024;
  explicit BlobPipe(std::size_t capacity = kDefaultCapacity);
  BlobPipe(const BlobPipe&) = delete;
  BlobPipe& operator=(const BlobPipe&) = delete;

  // --- producer
  // Blocks while the pipe is full; fails once the reader cancelled.
  oci::Result<void> write(std::span<const std::byte> bytes);
  // The end of the stream: the reader gets 0 once it drained the buffer.
  void close();
  // The reader gets `error` (after nothing else) instead of the end of the stream.
  void fail(oci::Error error);

  // --- consumer
  // Blocks until bytes, the end (0) or the producer's error are there.
  oci::Result<std::size_t> read(std::span<std::byte> buffer);
  // The reader gave up: pending and later writes fail with `error`.
  void cancel(oci::Error error);

  client::ByteSink sink();
  client::ByteSource source();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::byte> ring_;
  std::size_t head_ = 0;  // next byte to read
  std::size_t used_ = 0;
  bool closed_ = false;
  std::optional<oci::Error> producer_error_;
  std::optional<oci::Error> consumer_error_;
};

}  // namespace transfer
