// One request and its response on a connection: the handlers' whole view of HTTP.
// The body is read in pieces as the handler asks (uploads stream), responses are written at
// once, blobs with sendfile(2) when storage has a file descriptor.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "oci/error.h"
#include "server/config.h"
#include "server/http.h"
#include "storage/driver.h"

namespace server {

class Exchange {
 public:
  Exchange(Stream& stream, beast::flat_buffer& buffer, RequestParser& parser,
           const HttpConfig& config, bool closing);

  http::verb method() const { return parser_.get().method(); }
  std::string_view target() const { return parser_.get().target(); }
  std::string_view header(http::field field) const;
  std::optional<std::uint64_t> content_length() const;

  // Reads the next piece of the body into `out`; 0 at its end. An error means the client is
  // gone or sent a malformed body; the connection is closed afterwards.
  asio::awaitable<oci::Result<std::size_t>> read_body(std::span<std::byte> out);
  // The whole body, failing with kSizeInvalid (without reading on) past `max` bytes.
  asio::awaitable<oci::Result<std::string>> read_body_string(std::uint64_t max);

  asio::awaitable<void> send(StringResponse response);
  // A response whose headers are all there is (HEAD, 201, 202, 204); its Content-Length is
  // whatever the caller set, 0 by default.
  asio::awaitable<void> send_header(HeaderResponse response);
  // Headers, then `length` bytes from `reader`.
  asio::awaitable<void> send_blob(HeaderResponse response, storage::Reader& reader,
                                  std::uint64_t length);
  asio::awaitable<void> send_error(const oci::Error& error);

  StringResponse make_response(http::status status) const;
  HeaderResponse make_header(http::status status) const;

  unsigned status() const { return status_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  // The connection can carry another request.
  bool keep_alive() const;

 private:
  template <class Response>
  void finish_headers(Response& response);
  asio::awaitable<bool> sendfile_all(int fd, std::uint64_t length);
  asio::awaitable<bool> copy_all(storage::Reader& reader, std::uint64_t length);

  Stream& stream_;
  beast::flat_buffer& buffer_;
  RequestParser& parser_;
  const HttpConfig& config_;
  bool closing_;
  bool continue_sent_ = false;
  bool broken_ = false;
  bool response_keep_alive_ = false;
  unsigned status_ = 0;
  std::uint64_t bytes_sent_ = 0;
};

}  // namespace server
