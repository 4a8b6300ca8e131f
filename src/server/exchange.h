// One request and its response on a connection: the handlers' whole view of HTTP.
// The body is read in pieces as the handler asks (uploads stream), responses are written at
// once (headers and body in one write), blobs with sendfile(2) when storage has a file
// descriptor and the connection is plain TCP.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "oci/error.h"
#include "server/caller.h"
#include "server/config.h"
#include "server/http.h"
#include "server/peer.h"
#include "server/stream.h"
#include "storage/driver.h"

namespace server {

// A response header given as text, for send_bytes.
struct HeaderLine {
  std::string_view name;
  std::string_view value;
  bool quoted = false;  // sent between double quotes (ETag)
};

class Exchange {
 public:
  // `head` is where response headers are written; the connection keeps it between requests.
  Exchange(Stream& stream, beast::flat_buffer& buffer, std::string& head, RequestParser& parser,
           const Peer& peer, const HttpConfig& config, bool closing);

  http::verb method() const { return parser_.get().method(); }
  std::string_view target() const { return parser_.get().target(); }
  std::string_view header(http::field field) const;
  // A header Beast has no http::field for, by name (case-insensitive).
  std::string_view header(std::string_view name) const;
  std::optional<std::uint64_t> content_length() const;
  const Peer& peer() const { return peer_; }
  // Who asks, once auth has admitted the request; with auth off, anyone may do anything.
  const Caller& caller() const { return caller_; }
  void set_caller(Caller caller) { caller_ = std::move(caller); }

  // Reads the next piece of the body into `out`; 0 at its end. An error means the client is
  // gone or sent a malformed body; the connection is closed afterwards.
  asio::awaitable<oci::Result<std::size_t>> read_body(std::span<std::byte> out);
  // The whole body, failing with kSizeInvalid (without reading on) past `max` bytes.
  asio::awaitable<oci::Result<std::string>> read_body_string(std::uint64_t max);

  asio::awaitable<void> send(StringResponse response);
  // A response whose headers are all there is (HEAD, 201, 202, 204); its Content-Length is
  // whatever the caller set, 0 by default.
  asio::awaitable<void> send_header(HeaderResponse response);
  // Headers, then `length` bytes from `reader`: by sendfile(2) when it has a file
  // descriptor and the connection is plain TCP, otherwise read piece by piece on `blocking` (reads
  // may wait on a disk or a network) and written from here.
  asio::awaitable<void> send_blob(HeaderResponse response, storage::Reader& reader,
                                  std::uint64_t length, asio::thread_pool& blocking);
  // How many bytes of a body still arriving are there to send: completes once more than
  // `sent` are (or with the error that ends the body early).
  using Arrival = std::function<asio::awaitable<oci::Result<std::uint64_t>>(std::uint64_t sent)>;
  // send_blob for a blob still being written (pull-through): each part is sent as `arrived`
  // says it is there. An error after the headers closes the connection on a short body.
  asio::awaitable<void> send_arriving_blob(HeaderResponse response, storage::Reader& reader,
                                           std::uint64_t length, asio::thread_pool& blocking,
                                           const Arrival& arrived);
  asio::awaitable<void> send_error(const oci::Error& error);
  // A response of these headers and `body` (not sent for HEAD, where only its length is),
  // without building a message first: for the requests a registry answers most.
  asio::awaitable<void> send_bytes(http::status status, std::span<const HeaderLine> headers,
                                   std::string_view body);

  // Every response also carries Docker-Distribution-API-Version, and a header-only one a
  // Content-Length of 0 unless the handler sets another.
  StringResponse make_response(http::status status) const;
  HeaderResponse make_header(http::status status) const;

  unsigned status() const { return status_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t bytes_received() const { return bytes_received_; }
  // Sent back in X-Request-Id with every response; it must outlive the exchange.
  void set_request_id(std::string_view id) { request_id_ = id; }
  // The connection can carry another request.
  bool keep_alive() const;

 private:
  // Records the status and decides whether the connection carries another request.
  void begin_response(unsigned status);
  asio::awaitable<void> write(std::string_view head, std::string_view body);
  asio::awaitable<bool> sendfile_all(int fd, std::uint64_t length);
  asio::awaitable<bool> copy_all(storage::Reader& reader, std::uint64_t length,
                                 asio::thread_pool& blocking);

  Stream& stream_;
  beast::flat_buffer& buffer_;
  std::string& head_;
  RequestParser& parser_;
  const Peer& peer_;
  Caller caller_;
  const HttpConfig& config_;
  bool closing_;
  bool continue_sent_ = false;
  bool broken_ = false;
  bool response_keep_alive_ = false;
  unsigned status_ = 0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_received_ = 0;
  std::string_view request_id_;
};

}  // namespace server
