#include "storage/s3_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <random>
#include <thread>

#include "storage/s3_handle.h"
#include "storage/s3_live_put.h"
#include "storage/s3_object_reader.h"
#include "storage/s3_retry.h"

namespace storage {

namespace {

constexpr std::uint64_t kMaxErrorBody = std::uint64_t{64} << 10;
constexpr std::size_t kDeleteBatch = 1000;  // DeleteObjects' limit

std::string base64_md5(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_md5(), nullptr);
  std::array<unsigned char, 64> encoded{};
  const int length = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(size));
  return {reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(length)};
}

// Failures another attempt cannot mend: a certificate or URL that is wrong, a spool file
// that cannot be read. Everything else (refused or reset connections, timeouts, DNS) may.
bool is_retryable_transport(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_READ_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_OUT_OF_MEMORY:
      return false;
    default:
      return true;
  }
}

void add_metadata(S3Call& call, const Metadata& metadata) {
  for (const auto& [name, value] : metadata) call.headers.emplace_back("x-amz-meta-" + name, value);
}

Result<void> expect_success(const Result<S3Response>& response, std::string_view operation,
                            std::string_view key) {
  if (!response) return std::unexpected(response.error());
  if (response->status / 100 != 2) return std::unexpected(s3_error(operation, key, *response));
  return {};
}

}  // namespace

// One share handle for every transfer of a client: connections, DNS and TLS sessions are
// reused across requests and threads.
struct S3Client::Share {
  CURLSH* handle = curl_share_init();
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

  Share() {
    curl_share_setopt(handle, CURLSHOPT_LOCKFUNC, &Share::lock);
    curl_share_setopt(handle, CURLSHOPT_UNLOCKFUNC, &Share::unlock);
    curl_share_setopt(handle, CURLSHOPT_USERDATA, this);
    curl_share_setopt(handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
  ~Share() { curl_share_cleanup(handle); }
  Share(const Share&) = delete;
  Share& operator=(const Share&) = delete;

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<Share*>(self)->locks.at(data).lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<Share*>(self)->locks.at(data).unlock();
  }
};

std::string S3Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

std::string ObjectHead::metadata_value(std::string_view name) const {
  for (const auto& [key, value] : metadata) {
    if (key == name) return value;
  }
  return "";
}

sys::Error s3_error(std::string_view operation, std::string_view key, const S3Response& response) {
  const auto body = s3xml::parse_error(response.body);
  std::string message = "S3 " + std::string(operation) + " " + std::string(key) + ": HTTP " +
                        std::to_string(response.status);
  if (body) message += " " + body->code + ": " + body->message;
  sys::Errc code = sys::Errc::kIo;
  if (response.status == 404) code = sys::Errc::kNotFound;
  if (response.status == 416) code = sys::Errc::kInvalidRange;
  return sys::Error{code, std::move(message)};
}

Result<std::shared_ptr<S3Client>> S3Client::create(S3Options options) {
  // Once, before any handle: curl_easy_init would otherwise do it, racing other threads.
  static const CURLcode initialized = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (initialized != CURLE_OK) return sys::fail(sys::Errc::kIo, "libcurl failed to initialize");
  if (options.bucket.empty()) return sys::fail(sys::Errc::kInvalid, "S3: no bucket");
  if (options.region.empty()) options.region = "us-east-1";
  if (options.endpoint.empty()) {
    options.endpoint = "https://s3." + options.region + ".amazonaws.com";
  }
  std::string endpoint = options.endpoint;
  while (endpoint.ends_with('/')) endpoint.pop_back();
  const auto scheme_end = endpoint.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : endpoint.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return sys::fail(sys::Errc::kInvalid,
                     "S3 endpoint " + options.endpoint + ": not an http:// or https:// URL");
  }
  const std::string authority = endpoint.substr(scheme_end + 3);
  if (authority.empty() || authority.find_first_of("/?#@") != std::string::npos) {
    return sys::fail(sys::Errc::kInvalid,
                     "S3 endpoint " + options.endpoint + ": expected scheme://host[:port]");
  }
  if (!options.path_style && options.bucket.find('.') != std::string::npos && scheme == "https") {
    // A dotted bucket name does not match the store's wildcard certificate.
    options.path_style = true;
  }
  auto client = std::shared_ptr<S3Client>(new S3Client(std::move(options)));
  client->scheme_ = scheme;
  if (client->options_.path_style) {
    client->host_ = authority;
    client->base_path_ = "/" + sigv4::uri_encode(client->options_.bucket, false);
  } else {
    client->host_ = client->options_.bucket + "." + authority;
  }
  return client;
}

S3Client::S3Client(S3Options options)
    : options_(std::move(options)), share_(std::make_unique<Share>()) {}

S3Client::~S3Client() = default;

std::string S3Client::canonical_path(const std::string& key) const {
  return base_path_ + "/" + sigv4::uri_encode(key, true);
}

std::string S3Client::url_of(const S3Call& call) const {
  std::string url = scheme_ + "://" + host_ + canonical_path(call.key);
  char separator = '?';
  for (const auto& [name, value] : call.query) {
    url += separator + sigv4::uri_encode(name, false);
    if (!value.empty()) url += "=" + sigv4::uri_encode(value, false);
    separator = '&';
  }
  return url;
}

std::unique_ptr<S3Client::Handle> S3Client::prepare(const S3Call& call) const {
  auto handle = std::make_unique<Handle>(call.body);
  const bool has_body = !call.body.text.empty() || call.body.streamed();
  sigv4::Request request;
  request.method = call.method;
  request.path = canonical_path(call.key);
  request.query = call.query;
  request.headers = call.headers;
  request.payload_hash = call.body.streamed() ? std::string(sigv4::kUnsignedPayload)
                                              : sigv4::sha256_hex(call.body.text);
  const std::string date = sigv4::amz_date(std::chrono::system_clock::now());
  request.headers.emplace_back("Host", host_);
  request.headers.emplace_back("x-amz-date", date);
  request.headers.emplace_back("x-amz-content-sha256", request.payload_hash);
  if (!options_.credentials.session_token.empty()) {
    request.headers.emplace_back("x-amz-security-token", options_.credentials.session_token);
  }
  for (const auto& [name, value] : request.headers) {
    handle->add_header(std::string(name).append(": ").append(value));
  }
  if (!options_.credentials.access_key_id.empty()) {
    handle->add_header("Authorization: " +
                       sigv4::authorization(options_.credentials, options_.region, date, request));
  }
  handle->add_header("Expect:");  // no 100-continue round trip
  curl_easy_setopt(handle->curl, CURLOPT_HTTPHEADER, handle->header_list);

  CURL* curl = handle->curl;
  curl_easy_setopt(curl, CURLOPT_SHARE, share_->handle);
  curl_easy_setopt(curl, CURLOPT_URL, url_of(call).c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  if (call.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (has_body || call.method == "PUT" || call.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (options_.insecure_skip_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  return handle;
}

Result<S3Response> S3Client::perform(const S3Call& call, std::string_view operation,
                                     std::uint64_t max_body) {
  const std::string what = "S3 " + std::string(operation) + " " + call.key;
  thread_local std::mt19937_64 random(std::random_device{}());
  auto start = std::chrono::steady_clock::now();
  for (int attempt = 1;; ++attempt) {
    const auto attempt_start = std::chrono::steady_clock::now();
    auto handle = prepare(call);
    handle->max_body = max_body;
    const CURLcode code = curl_easy_perform(handle->curl);
    // A body sent as it arrives takes as long as its writer does: the time allowed for
    // retries counts from the last attempt that got bytes through, not from the first.
    if (call.body.live != nullptr && handle->sent > 0) start = attempt_start;
    long status = 0;
    curl_easy_getinfo(handle->curl, CURLINFO_RESPONSE_CODE, &status);
    std::string failure;
    std::string error_code;
    if (handle->too_large) {
      return sys::fail(sys::Errc::kTooLarge, "S3 " + call.method + " " + call.key + ": more than " +
                                                 std::to_string(max_body) + " bytes");
    }
    if (code != CURLE_OK) {
      failure = what + ": " + handle->describe(code);
      if (!is_retryable_transport(code)) return sys::fail(sys::Errc::kIo, failure);
    } else {
      S3Response response{status, std::move(handle->response_headers),
                          std::move(handle->response_body)};
      const auto error = s3xml::parse_error(response.body);
      if (error) error_code = error->code;
      // CopyObject and CompleteMultipartUpload may answer 200 with an error in the body.
      const bool failed = status / 100 != 2 || error.has_value();
      if (!failed || !is_retryable(status, error_code)) {
        if (error && status / 100 == 2) response.status = 500;
        return response;
      }
      failure = s3_error(operation, call.key, response).message;
      if (status / 100 == 2) failure += " (in a 200 answer)";
    }
    const auto delay = backoff(options_.retry, attempt, random);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (attempt >= options_.retry.max_attempts || elapsed + delay > options_.retry.max_total) {
      return sys::fail(sys::Errc::kIo,
                       failure + " (gave up after " + std::to_string(attempt) + " attempts)");
    }
    std::this_thread::sleep_for(delay);
    if (call.body.live != nullptr && call.body.live->aborted()) {
      return sys::fail(sys::Errc::kIo, failure + " (abandoned by its writer)");
    }
  }
}

Result<void> S3Client::put_object(const std::string& key, const S3Body& body,
                                  const Metadata& metadata) {
  S3Call call{"PUT", key, {}, {}, body};
  add_metadata(call, metadata);
  return expect_success(perform(call, "PutObject", kMaxErrorBody), "PutObject", key);
}

Result<ObjectHead> S3Client::head_object(const std::string& key) {
  auto response = perform(S3Call{"HEAD", key, {}, {}, {}}, "HeadObject", kMaxErrorBody);
  if (auto ok = expect_success(response, "HeadObject", key); !ok) {
    return std::unexpected(ok.error());
  }
  ObjectHead head;
  const std::string length = response->header("content-length");
  head.size = std::strtoull(length.c_str(), nullptr, 10);
  const std::string modified = response->header("last-modified");
  head.modified_unix = modified.empty() ? 0 : curl_getdate(modified.c_str(), nullptr);
  for (const auto& [name, value] : response->headers) {
    if (name.starts_with("x-amz-meta-")) head.metadata.emplace_back(name.substr(11), value);
  }
  return head;
}

Result<std::string> S3Client::get_object(const std::string& key, std::uint64_t max_size) {
  auto response =
      perform(S3Call{"GET", key, {}, {}, {}}, "GetObject", std::max(max_size, kMaxErrorBody));
  if (auto ok = expect_success(response, "GetObject", key); !ok) {
    return std::unexpected(ok.error());
  }
  if (response->body.size() > max_size) {
    return sys::fail(sys::Errc::kTooLarge,
                     "S3 GetObject " + key + ": more than " + std::to_string(max_size) + " bytes");
  }
  return std::move(response->body);
}

std::unique_ptr<Reader> S3Client::open_object(std::string key, std::uint64_t offset,
                                              std::uint64_t end) {
  return std::make_unique<S3ObjectReader>(shared_from_this(), std::move(key), offset, end);
}

Result<void> S3Client::delete_object(const std::string& key) {
  auto response = perform(S3Call{"DELETE", key, {}, {}, {}}, "DeleteObject", kMaxErrorBody);
  if (response && response->status == 404) return {};
  return expect_success(response, "DeleteObject", key);
}

Result<void> S3Client::delete_objects(const std::vector<std::string>& keys) {
  for (std::size_t at = 0; at < keys.size(); at += kDeleteBatch) {
    const std::vector<std::string> batch(
        keys.begin() + static_cast<std::ptrdiff_t>(at),
        keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), at + kDeleteBatch)));
    S3Call call{"POST", "", {{"delete", ""}}, {}, {}};
    call.body.text = s3xml::delete_objects_body(batch);
    call.headers.emplace_back("Content-MD5", base64_md5(call.body.text));
    call.headers.emplace_back("Content-Type", "application/xml");
    auto response = perform(call, "DeleteObjects", std::uint64_t{16} << 20);
    if (auto ok = expect_success(response, "DeleteObjects", batch.front()); !ok) return ok;
    auto errors = s3xml::parse_delete_errors(response->body);
    if (!errors) return std::unexpected(errors.error());
    if (!errors->empty()) {
      return sys::fail(sys::Errc::kIo, "S3 DeleteObjects: " + errors->front() + " (and " +
                                           std::to_string(errors->size() - 1) + " more)");
    }
  }
  return {};
}

Result<s3xml::ListPage> S3Client::list_objects(const std::string& prefix,
                                               const std::string& delimiter,
                                               const std::string& continuation_token) {
  S3Call call{"GET", "", {{"list-type", "2"}, {"prefix", prefix}}, {}, {}};
  if (!delimiter.empty()) call.query.emplace_back("delimiter", delimiter);
  if (!continuation_token.empty())
    call.query.emplace_back("continuation-token", continuation_token);
  auto response = perform(call, "ListObjectsV2", std::uint64_t{16} << 20);
  if (auto ok = expect_success(response, "ListObjectsV2", prefix); !ok) {
    return std::unexpected(ok.error());
  }
  return s3xml::parse_list_objects(response->body);
}

Result<void> S3Client::copy_object(const std::string& from, const std::string& to) {
  S3Call call{"PUT", to, {}, {}, {}};
  call.headers.emplace_back("x-amz-copy-source",
                            "/" + options_.bucket + "/" + sigv4::uri_encode(from, true));
  call.headers.emplace_back("x-amz-metadata-directive", "COPY");
  auto response = perform(call, "CopyObject", kMaxErrorBody);
  if (auto ok = expect_success(response, "CopyObject", to); !ok) return ok;
  if (auto etag = s3xml::parse_result_etag(response->body); !etag) {
    return std::unexpected(etag.error());
  }
  return {};
}

Result<std::string> S3Client::create_multipart_upload(const std::string& key,
                                                      const Metadata& metadata) {
  S3Call call{"POST", key, {{"uploads", ""}}, {}, {}};
  add_metadata(call, metadata);
  auto response = perform(call, "CreateMultipartUpload", kMaxErrorBody);
  if (auto ok = expect_success(response, "CreateMultipartUpload", key); !ok) {
    return std::unexpected(ok.error());
  }
  return s3xml::parse_upload_id(response->body);
}

Result<std::string> S3Client::upload_part(const std::string& key, const std::string& upload_id,
                                          int part_number, const S3Body& body) {
  S3Call call{
      "PUT", key, {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}}, {}, body};
  auto response = perform(call, "UploadPart", kMaxErrorBody);
  if (auto ok = expect_success(response, "UploadPart", key); !ok) {
    return std::unexpected(ok.error());
  }
  std::string etag = response->header("etag");
  if (etag.empty()) return sys::fail(sys::Errc::kIo, "S3 UploadPart " + key + ": no ETag");
  return etag;
}

Result<std::string> S3Client::upload_part_copy(const std::string& key, const std::string& upload_id,
                                               int part_number, const std::string& source,
                                               std::uint64_t first, std::uint64_t last) {
  S3Call call{
      "PUT", key, {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}}, {}, {}};
  call.headers.emplace_back("x-amz-copy-source",
                            "/" + options_.bucket + "/" + sigv4::uri_encode(source, true));
  call.headers.emplace_back("x-amz-copy-source-range",
                            "bytes=" + std::to_string(first) + "-" + std::to_string(last));
  auto response = perform(call, "UploadPartCopy", kMaxErrorBody);
  if (auto ok = expect_success(response, "UploadPartCopy", key); !ok) {
    return std::unexpected(ok.error());
  }
  return s3xml::parse_result_etag(response->body);
}

Result<void> S3Client::complete_multipart_upload(const std::string& key,
                                                 const std::string& upload_id,
                                                 const std::vector<s3xml::CompletedPart>& parts) {
  S3Call call{"POST", key, {{"uploadId", upload_id}}, {}, {}};
  call.body.text = s3xml::complete_multipart_body(parts);
  call.headers.emplace_back("Content-Type", "application/xml");
  auto response = perform(call, "CompleteMultipartUpload", kMaxErrorBody);
  if (auto ok = expect_success(response, "CompleteMultipartUpload", key); !ok) return ok;
  if (auto etag = s3xml::parse_result_etag(response->body); !etag) {
    return std::unexpected(etag.error());
  }
  return {};
}

Result<void> S3Client::abort_multipart_upload(const std::string& key,
                                              const std::string& upload_id) {
  auto response = perform(S3Call{"DELETE", key, {{"uploadId", upload_id}}, {}, {}},
                          "AbortMultipartUpload", kMaxErrorBody);
  return expect_success(response, "AbortMultipartUpload", key);
}

std::string S3Client::presigned_get_url(const std::string& key,
                                        std::chrono::seconds expires) const {
  const sigv4::Request request{"GET", canonical_path(key), {}, {{"Host", host_}}, ""};
  const std::string date = sigv4::amz_date(std::chrono::system_clock::now());
  return scheme_ + "://" + host_ + request.path + "?" +
         sigv4::presigned_query(options_.credentials, options_.region, date, expires, request);
}

}  // namespace storage
