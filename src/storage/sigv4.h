// AWS Signature Version 4 for S3 (the "Authenticating Requests (AWS Signature Version 4)"
// pages of the S3 API reference): the canonical request, the string to sign, the signing key
// and the Authorization header, or the same signature carried in a presigned URL's query.
// Pure functions over strings (OpenSSL for HMAC-SHA256); no clock, no I/O.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace storage::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" unless the credentials are temporary (STS)
};

// The payload hash S3 accepts in place of the body's SHA-256 (the body is then not signed).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct Request {
  std::string method;
  std::string path;  // URI path, already percent-encoded once (see encode_path)
  std::vector<std::pair<std::string, std::string>> query;    // raw (not encoded) names/values
  std::vector<std::pair<std::string, std::string>> headers;  // every header to sign, Host too
  std::string payload_hash;  // hex SHA-256 of the body, or kUnsignedPayload
};

// RFC 3986 unreserved characters kept, every other byte as %XX (upper case); '/' kept when
// `keep_slash` (object keys in paths), encoded otherwise (query names and values).
std::string uri_encode(std::string_view text, bool keep_slash);

std::string sha256_hex(std::string_view data);

// "20130524T000000Z" (x-amz-date) of a point in time.
std::string amz_date(std::chrono::system_clock::time_point time);

// Method, path, sorted encoded query, lower-cased sorted headers with trimmed values, the
// signed header list and the payload hash, joined by newlines.
std::string canonical_request(const Request& request);

// "host;range;x-amz-date": the lower-cased sorted names of the request's headers.
std::string signed_headers(const Request& request);

// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex SHA-256 of the canonical request>".
std::string string_to_sign(std::string_view amz_date, std::string_view region,
                           std::string_view canonical_request);

// Hex HMAC-SHA256 of `string_to_sign` under the key derived from the secret, the date (the
// first 8 characters of `amz_date`), the region and "s3".
std::string signature(std::string_view secret_access_key, std::string_view amz_date,
                      std::string_view region, std::string_view string_to_sign);

// The Authorization header value for `request` (whose headers must already hold x-amz-date,
// x-amz-content-sha256 and, with temporary credentials, x-amz-security-token).
std::string authorization(const Credentials& credentials, std::string_view region,
                          std::string_view amz_date, const Request& request);

// The query string (without '?') of a presigned URL for `request` (whose headers hold only
// what the URL's user will send, Host at least), valid `expires` seconds from `amz_date`.
std::string presigned_query(const Credentials& credentials, std::string_view region,
                            std::string_view amz_date, std::chrono::seconds expires,
                            Request request);

}  // namespace storage::sigv4
