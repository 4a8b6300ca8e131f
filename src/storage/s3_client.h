// The S3 REST calls the driver needs, over libcurl, signed with SigV4 (storage/sigv4.h).
// Every call is retried with backoff (storage/s3_retry.h) on 5xx, SlowDown and transport
// failures, its body replayed from memory or from a spool file; S3's error bodies become
// sys::Error values carrying S3's Code and Message. Bodies are streamed: nothing here holds an
// object in memory except what get_object is asked for (bounded by its max_size).
// Safe to use from many threads (connections are shared through one curl share handle).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/driver.h"
#include "storage/s3_options.h"
#include "storage/s3_xml.h"

namespace storage {

using Metadata = std::vector<std::pair<std::string, std::string>>;  // x-amz-meta-<name>: value

class LiveBody;

// A request body: `text`, or `length` bytes of the file `fd` from `offset` (read with pread
// at every attempt, so a retry sends them again; the file stays the caller's), or `length`
// bytes read from `live` as they arrive (storage/s3_live_put.h).
struct S3Body {
  std::string text;
  int fd = -1;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  LiveBody* live = nullptr;

  // Sent from a file or as it arrives, not from memory (and so not hashed to be signed).
  bool streamed() const { return fd >= 0 || live != nullptr; }
  std::uint64_t size() const { return streamed() ? length : text.size(); }
};

struct S3Call {
  std::string method;
  std::string key;  // "" for the bucket itself
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  S3Body body;
};

struct S3Response {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string header(std::string_view name) const;
};

struct ObjectHead {
  std::uint64_t size = 0;
  std::int64_t modified_unix = 0;
  Metadata metadata;  // names lower-cased, without the x-amz-meta- prefix
  std::string metadata_value(std::string_view name) const;
};

class S3Client : public std::enable_shared_from_this<S3Client> {
 public:
  // kInvalid when the endpoint or bucket cannot be used.
  static Result<std::shared_ptr<S3Client>> create(S3Options options);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const S3Options& options() const { return options_; }

  Result<void> put_object(const std::string& key, const S3Body& body, const Metadata& metadata);
  // kNotFound when missing.
  Result<ObjectHead> head_object(const std::string& key);
  // The whole object; kTooLarge past max_size (the transfer stops there), kNotFound.
  Result<std::string> get_object(const std::string& key, std::uint64_t max_size);
  // A reader of bytes [offset, end) that pulls them from one transfer as it is read (ranged
  // GET; resumed from where it stopped when the transfer breaks).
  std::unique_ptr<Reader> open_object(std::string key, std::uint64_t offset, std::uint64_t end);
  // Deleting a missing key succeeds.
  Result<void> delete_object(const std::string& key);
  Result<void> delete_objects(const std::vector<std::string>& keys);
  // One page of ListObjectsV2; `delimiter` "" lists recursively.
  Result<s3xml::ListPage> list_objects(const std::string& prefix, const std::string& delimiter,
                                       const std::string& continuation_token);
  // Server-side copy (up to 5 GiB), replacing `to` with `from`'s bytes and metadata.
  Result<void> copy_object(const std::string& from, const std::string& to);
  Result<std::string> create_multipart_upload(const std::string& key, const Metadata& metadata);
  // The part's ETag.
  Result<std::string> upload_part(const std::string& key, const std::string& upload_id,
                                  int part_number, const S3Body& body);
  // Bytes [first, last] of `source` as a part, copied by the store.
  Result<std::string> upload_part_copy(const std::string& key, const std::string& upload_id,
                                       int part_number, const std::string& source,
                                       std::uint64_t first, std::uint64_t last);
  Result<void> complete_multipart_upload(const std::string& key, const std::string& upload_id,
                                         const std::vector<s3xml::CompletedPart>& parts);
  Result<void> abort_multipart_upload(const std::string& key, const std::string& upload_id);
  // A GET URL anyone can use until `expires` from now, signed in its query.
  std::string presigned_get_url(const std::string& key, std::chrono::seconds expires) const;

  // --- for the streaming reader (storage/s3_object_reader.cc) ---
  struct Handle;  // a curl easy handle prepared for one attempt of a call
  std::unique_ptr<Handle> prepare(const S3Call& call) const;
  // Runs `call` to completion with retries; the body kept up to `max_body` bytes (kTooLarge
  // past it when the answer is a success). Non-2xx answers are returned, not errors.
  Result<S3Response> perform(const S3Call& call, std::string_view operation,
                             std::uint64_t max_body);

 private:
  explicit S3Client(S3Options options);
  std::string url_of(const S3Call& call) const;
  std::string canonical_path(const std::string& key) const;

  S3Options options_;
  std::string scheme_;     // "http" or "https"
  std::string host_;       // authority: host[:port], with the bucket in front when virtual-host
  std::string base_path_;  // "" or "/<bucket>" (path style)
  struct Share;
  std::unique_ptr<Share> share_;
};

// "S3 <operation> <key>: HTTP <status> <Code>: <Message>", kNotFound for 404, kInvalidRange
// for 416, kIo otherwise.
sys::Error s3_error(std::string_view operation, std::string_view key, const S3Response& response);

}  // namespace storage
