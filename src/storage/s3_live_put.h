// A file of known size sent to S3 as one PutObject while its bytes still arrive, so that the
// store receives the object as the writer receives it, with no multipart upload to assemble
// afterwards (s3rver and Ceph copy every byte again to complete one).
//
// The bytes pass through a ring of a few aligned blocks in memory, from which the transfer
// sends them; a block leaving the ring goes to a spool file, written with O_DIRECT (no page
// cache: a spool read again only by a retry should not take memory, nor push out what is
// worth caching). A retried PutObject sends the bytes again from the spool, then from the
// ring; a file no larger than the ring never touches the disk. A writer that gets a ring
// ahead of the transfer waits for it: the client is slowed to the store's pace, as a direct
// upload would be. The last byte is held back until publish(): the object cannot appear
// before its owner has checked the bytes, and an abandoned writer's transfer is cut short,
// which stores nothing.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "storage/capabilities.h"
#include "storage/s3_client.h"
#include "storage/s3_spool.h"

namespace storage {

// The body of the PutObject: written by the writer's thread, read by the transfer's.
class LiveBody {
 public:
  // The spool file is the caller's and must stay open as long as the body.
  LiveBody(std::uint64_t length, const Spool& spool);
  ~LiveBody();
  LiveBody(const LiveBody&) = delete;
  LiveBody& operator=(const LiveBody&) = delete;

  // Appends bytes (never past `length`); waits while the ring is full of bytes the transfer
  // has not sent. kIo when the spool cannot be written or the transfer is over; after a
  // failure the body takes nothing more and the transfer is cut short.
  Result<void> append(std::span<const std::byte> bytes);
  std::uint64_t size() const;
  // Every byte may go (the last one included).
  void release();
  // The transfer is to stop; its reads return nullopt.
  void abort();
  bool aborted() const;
  // The transfer is over (sent, or out of retries): appends stop waiting for it.
  void transfer_over();
  bool over() const;

  // For the transfer: copies bytes from `offset` into `buffer`, waiting until some may go;
  // 0 at the end, nullopt once aborted.
  std::optional<std::size_t> read(std::uint64_t offset, std::span<std::byte> buffer);

 private:
  struct FreeAligned {
    void operator()(std::byte* block) const;
  };
  using Block = std::unique_ptr<std::byte, FreeAligned>;

  std::uint64_t sendable() const;  // under mutex_
  std::byte* slot(std::uint64_t offset);
  // Spools the block at `first` (whole), which is about to leave the ring.
  Result<void> spool_block(std::uint64_t first);
  // Cuts the transfer short after a failure of the writer's own.
  Result<void> failed(sys::Error error);

  const std::uint64_t length_;
  int spool_fd_;        // reads (a retry's)
  int direct_fd_ = -1;  // writes, O_DIRECT where the file system has it (`direct_`)
  bool direct_ = false;
  std::string spool_path_;  // for messages
  std::vector<Block> ring_;

  mutable std::mutex mutex_;
  std::condition_variable readable_;  // the transfer waits on it for bytes
  std::condition_variable writable_;  // the writer waits on it for the transfer
  std::uint64_t size_ = 0;            // bytes appended
  std::uint64_t spooled_ = 0;         // bytes in the spool file (the blocks out of the ring)
  std::uint64_t sending_ = 0;         // where the transfer's current attempt is
  bool released_ = false;
  bool aborted_ = false;
  bool over_ = false;
};

// A StagedWriter for a file of `length` (1 byte to 5 GiB) bytes at `key`.
Result<std::unique_ptr<StagedWriter>> make_live_put_writer(std::shared_ptr<S3Client> client,
                                                           std::string key, std::uint64_t length,
                                                           const std::filesystem::path& spool);

}  // namespace storage
