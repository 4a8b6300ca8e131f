// One attempt of one S3 call: a curl easy handle with its header list and the callbacks that
// send the body (replayed from memory or pread from a spool file) and take the answer, either
// captured (bounded) or streamed into a caller's buffer (storage/s3_object_reader.cc).
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "storage/s3_client.h"

namespace storage {

struct S3Client::Handle {
  explicit Handle(const S3Body& body);
  ~Handle();
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  void add_header(const std::string& line) {
    header_list = curl_slist_append(header_list, line.c_str());
  }
  // The transfer's error, with curl's detail when it has one.
  std::string describe(CURLcode code) const;

  CURL* curl;
  curl_slist* header_list = nullptr;
  const S3Body& body;
  std::uint64_t sent = 0;

  long status() const;
  std::vector<std::pair<std::string, std::string>> response_headers;
  std::string response_body;
  std::uint64_t max_body = 0;
  bool too_large = false;

  // Streaming: a 2xx body goes to `target` (then to `overflow` when a piece does not fit);
  // once target is full the transfer pauses until the reader asks for more.
  bool streaming = false;
  // Set when a streamed answer is no 206 although the range starts past the object's first
  // byte (a store ignoring Range would send the wrong bytes); nothing is streamed then.
  bool needs_partial = false;
  bool not_partial = false;
  std::span<std::byte> target;
  std::size_t filled = 0;
  std::string overflow;

  std::string error_detail;  // CURLOPT_ERRORBUFFER
};

}  // namespace storage
