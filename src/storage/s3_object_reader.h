// Reads a byte range of an object by pulling it from one ranged GET as the caller reads: the
// transfer pauses whenever the caller's buffer is full, so memory stays at one network
// buffer whatever the object's size. A broken transfer resumes from the next byte.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "storage/s3_client.h"

namespace storage {

class S3ObjectReader final : public Reader {
 public:
  S3ObjectReader(std::shared_ptr<S3Client> client, std::string key, std::uint64_t offset,
                 std::uint64_t end);
  ~S3ObjectReader() override;
  S3ObjectReader(const S3ObjectReader&) = delete;
  S3ObjectReader& operator=(const S3ObjectReader&) = delete;

  Result<std::size_t> read(std::span<std::byte> buffer) override;

 private:
  void start();
  void stop();
  // Runs the transfer until it put bytes in the buffer or finished.
  void pump();
  std::size_t take_overflow(std::span<std::byte> buffer);

  std::shared_ptr<S3Client> client_;
  std::string key_;
  std::uint64_t position_;
  std::uint64_t end_;
  CURLM* multi_;
  S3Call call_;
  std::unique_ptr<S3Client::Handle> handle_;
  std::string etag_;  // of the first answer
  bool finished_ = false;
  CURLcode result_ = CURLE_OK;
};

}  // namespace storage
