// A file of known size sent to S3 as one PutObject while its bytes still arrive: each byte
// written is spooled to local disk and sent at once, so the store receives the object as the
// writer receives it, with no multipart upload to assemble afterwards. The spool keeps every
// byte (the whole file, on disk) so that a retried PutObject can send them again. The last
// byte is held back until publish(): the object cannot appear before its owner has checked
// the bytes, and an abandoned writer's transfer is cut short, which stores nothing.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "storage/capabilities.h"
#include "storage/s3_client.h"

namespace storage {

// How far the sender of a growing spool file may go.
class LiveBody {
 public:
  explicit LiveBody(std::uint64_t length) : length_(length) {}

  // `available` bytes are in the file now.
  void grew(std::uint64_t available);
  // Every byte may go (the last one included).
  void release();
  // The transfer is to stop; senders waiting return nullopt.
  void abort();
  // Waits until bytes past `sent` may be sent; how many may, or nullopt once aborted.
  std::optional<std::uint64_t> wait_beyond(std::uint64_t sent);

 private:
  std::uint64_t sendable() const;

  std::mutex mutex_;
  std::condition_variable changed_;
  const std::uint64_t length_;
  std::uint64_t available_ = 0;
  bool released_ = false;
  bool aborted_ = false;
};

// A StagedWriter for a file of `length` (1 byte to 5 GiB) bytes at `key`.
Result<std::unique_ptr<StagedWriter>> make_live_put_writer(std::shared_ptr<S3Client> client,
                                                           std::string key, std::uint64_t length,
                                                           const std::filesystem::path& spool);

}  // namespace storage
