// One HTTP exchange over libcurl, with a pool of easy handles so that connections are reused
// across threads. Knows nothing of registries: no auth, no retries (registry_client does
// those), only bytes, headers, redirects and TLS trust.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/byte_stream.h"
#include "client/tls_trust.h"
#include "oci/error.h"

namespace client {

// Response header fields; names are compared case-insensitively.
class HeaderFields {
 public:
  void add(std::string name, std::string value);
  void clear() { fields_.clear(); }
  // The first field called `name`, nullopt when there is none.
  std::optional<std::string_view> get(std::string_view name) const;
  // Every value of `name` joined with ", " (as RFC 9110 allows for list fields).
  std::string joined(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;                   // absolute
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent when body_source is not set (POST/PUT/PATCH)
  // A streamed body of exactly body_size bytes instead of `body`; read once, so a request
  // that sent some of it cannot be repeated (see TransferProgress).
  const ByteSource* body_source = nullptr;
  std::int64_t body_size = 0;
  // When set, a 2xx response's body goes here instead of into HttpResponse::body.
  const ByteSink* sink = nullptr;
  // When non-zero, any other 2xx fails the request before a byte reaches the sink: a Range
  // request expects 206, and a 200 would restart the body from its first byte.
  long sink_status = 0;
  // Bodies kept in HttpResponse::body longer than this fail the request (kSizeInvalid).
  std::size_t max_body = std::size_t{1} << 20;
  // GET/HEAD only: 3xx answers with a Location are followed; Authorization is dropped when
  // the target is another origin (scheme, host or port), e.g. a storage bucket.
  bool follow_redirects = false;
};

struct HttpResponse {
  long status = 0;
  HeaderFields headers;
  std::string body;  // empty when the body went to the sink
  std::string url;   // the URL that answered, after redirects
};

enum class FailureKind {
  kConnect,   // name resolution or TCP connect failed or timed out: nothing was sent
  kTls,       // handshake or certificate verification failed
  kTransfer,  // the connection broke or stalled mid-exchange
  kLocal,     // ours: a sink or source error, an oversized body, a bad URL
};

// The words a transport failure's message starts with, so that callers above the client
// (`regmirror verify`) can tell an untrusted certificate from a refused connection once the
// failure is an oci::Error: "TLS failure: " and "cannot connect: "; "" otherwise.
std::string_view failure_marker(FailureKind kind);
// The kind a transport failure's message starts with (kLocal when none). Only the start
// counts: an error a registry sent is relayed after "GET <url>: HTTP <status>: ", and its
// text may say anything.
FailureKind failure_kind_of(std::string_view message);

struct TransportFailure {
  FailureKind kind;
  oci::Error error;
};

// What a request moved before it ended, to decide whether it may be sent again.
struct TransferProgress {
  std::int64_t body_sent = 0;      // bytes taken from the body_source
  std::int64_t sink_received = 0;  // bytes given to the sink
};

struct TransportOptions {
  bool insecure = false;  // no certificate or host name verification
  TlsTrust trust{};
  std::string user_agent{};
  // Given up after this long without a TCP connection: a kConnect failure.
  std::chrono::milliseconds connect_timeout{30'000};
};

class HttpTransport {
 public:
  explicit HttpTransport(TransportOptions options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Sends `request` and reads the answer, whatever its status. Thread-safe.
  std::expected<HttpResponse, TransportFailure> perform(const HttpRequest& request,
                                                        TransferProgress& progress);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace client
