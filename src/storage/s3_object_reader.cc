#include "storage/s3_object_reader.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>

#include "storage/s3_handle.h"
#include "storage/s3_retry.h"

namespace storage {

S3ObjectReader::S3ObjectReader(std::shared_ptr<S3Client> client, std::string key,
                               std::uint64_t offset, std::uint64_t end)
    : client_(std::move(client)),
      key_(std::move(key)),
      position_(offset),
      end_(end),
      multi_(curl_multi_init()) {}

S3ObjectReader::~S3ObjectReader() {
  stop();
  curl_multi_cleanup(multi_);
}

void S3ObjectReader::start() {
  call_ = S3Call{"GET", key_, {}, {}, {}};
  call_.headers.emplace_back("Range",
                             "bytes=" + std::to_string(position_) + "-" + std::to_string(end_ - 1));
  // A transfer started again must read the same object, not one written since.
  if (!etag_.empty()) call_.headers.emplace_back("If-Match", etag_);
  handle_ = client_->prepare(call_);
  handle_->streaming = true;
  handle_->needs_partial = position_ > 0;
  handle_->max_body = std::uint64_t{64} << 10;  // of an error answer
  finished_ = false;
  result_ = CURLE_OK;
  curl_multi_add_handle(multi_, handle_->curl);
}

void S3ObjectReader::stop() {
  if (!handle_) return;
  curl_multi_remove_handle(multi_, handle_->curl);
  handle_.reset();
}

void S3ObjectReader::pump() {
  while (true) {
    int running = 0;
    curl_multi_perform(multi_, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg == CURLMSG_DONE) {
        finished_ = true;
        result_ = message->data.result;
      }
    }
    if (handle_->filled > 0 || finished_) return;
    curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
  }
}

std::size_t S3ObjectReader::take_overflow(std::span<std::byte> buffer) {
  std::string& overflow = handle_->overflow;
  const std::size_t n = std::min(buffer.size(), overflow.size());
  std::memcpy(buffer.data(), overflow.data(), n);
  overflow.erase(0, n);
  position_ += n;
  return n;
}

Result<std::size_t> S3ObjectReader::read(std::span<std::byte> buffer) {
  if (position_ >= end_ || buffer.empty()) return 0;
  buffer = buffer.first(
      static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), end_ - position_)));
  thread_local std::mt19937_64 random(std::random_device{}());
  const RetryPolicy& policy = client_->options().retry;
  int failures = 0;
  while (true) {
    if (!handle_) start();
    if (!handle_->overflow.empty()) return take_overflow(buffer);
    if (!finished_) {
      handle_->target = buffer;
      handle_->filled = 0;
      curl_easy_pause(handle_->curl, CURLPAUSE_CONT);
      pump();
      const std::size_t filled = handle_->filled;
      handle_->target = {};
      handle_->filled = 0;
      for (const auto& [name, value] : handle_->response_headers) {
        if (etag_.empty() && name == "etag") etag_ = value;
      }
      if (filled > 0) {
        position_ += filled;
        return filled;
      }
    }
    // Finished without (more) bytes for us: an error answer, or a transfer cut short.
    const long status = handle_->status();
    std::string failure;
    if (handle_->not_partial) {
      return sys::fail(sys::Errc::kIo, "S3 GetObject " + key_ + ": the store answered " +
                                           std::to_string(status) + " to a Range request");
    }
    if (result_ != CURLE_OK) {
      failure = "S3 GetObject " + key_ + ": " + handle_->describe(result_);
    } else if (status / 100 == 2) {
      failure = "S3 GetObject " + key_ + ": the object ended at byte " + std::to_string(position_) +
                ", expected " + std::to_string(end_);
    } else {
      const S3Response response{status, handle_->response_headers, handle_->response_body};
      const auto error = s3xml::parse_error(response.body);
      if (!is_retryable(status, error ? error->code : "")) {
        return std::unexpected(s3_error("GetObject", key_, response));
      }
      failure = s3_error("GetObject", key_, response).message;
    }
    stop();
    if (++failures >= policy.max_attempts) {
      return sys::fail(sys::Errc::kIo,
                       failure + " (gave up after " + std::to_string(failures) + " attempts)");
    }
    std::this_thread::sleep_for(backoff(policy, failures, random));
  }
}

}  // namespace storage
