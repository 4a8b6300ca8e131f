#include "server/exchange.h"

#include <sys/sendfile.h>

#include <array>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <cerrno>
#include <vector>

#include "server/error_response.h"
#include "server/offload.h"
#include "server/response_head.h"
#include "storage/capabilities.h"

namespace server {
namespace {

using asio::as_tuple;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;

constexpr std::size_t kBodyReadBuffer = std::size_t{256} << 10;

bool is_disconnect(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == http::error::end_of_stream ||
         ec == http::error::partial_message || ec == asio::error::connection_reset ||
         ec == beast::error::timeout || is_tls_failure(ec);
}

}  // namespace

Exchange::Exchange(Stream& stream, beast::flat_buffer& buffer, std::string& head,
                   RequestParser& parser, const Peer& peer, const HttpConfig& config, bool closing)
    : stream_(stream),
      buffer_(buffer),
      head_(head),
      parser_(parser),
      peer_(peer),
      config_(config),
      closing_(closing) {}

std::string_view Exchange::header(http::field field) const {
  const auto& fields = parser_.get();
  auto it = fields.find(field);
  return it == fields.end() ? std::string_view() : std::string_view(it->value());
}

std::string_view Exchange::header(std::string_view name) const {
  const auto& fields = parser_.get();
  auto it = fields.find(name);
  return it == fields.end() ? std::string_view() : std::string_view(it->value());
}

std::optional<std::uint64_t> Exchange::content_length() const {
  auto length = parser_.content_length();
  return length ? std::optional<std::uint64_t>(*length) : std::nullopt;
}

asio::awaitable<oci::Result<std::size_t>> Exchange::read_body(std::span<std::byte> out) {
  if (!continue_sent_ && !parser_.is_done() &&
      beast::iequals(header(http::field::expect), "100-continue")) {
    continue_sent_ = true;
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(config_.write_timeout);
    auto [ec, n] =
        co_await asio::async_write(stream_, asio::buffer(kContinue), as_tuple(use_awaitable));
    if (ec) {
      broken_ = true;
      co_return oci::fail(oci::ErrorCode::kBlobUploadInvalid, "client went away");
    }
  }
  // Beast reads at most the buffer's free capacity, which after the headers may be a few
  // hundred bytes: grow it so a body arrives in large reads. The session shrinks it again.
  if (buffer_.capacity() < kBodyReadBuffer) buffer_.reserve(kBodyReadBuffer);
  while (!parser_.is_done()) {
    auto& body = parser_.get().body();
    body.data = out.data();
    body.size = out.size();
    stream_.expires_after(config_.read_timeout);
    auto [ec, n] =
        co_await http::async_read_some(stream_, buffer_, parser_, as_tuple(use_awaitable));
    const std::size_t received = out.size() - body.size;
    bytes_received_ += received;
    if (ec && ec != http::error::need_buffer) {
      broken_ = true;
      co_return oci::fail(oci::ErrorCode::kBlobUploadInvalid,
                          is_disconnect(ec) ? "request body ended early" : "malformed request body",
                          ec.message());
    }
    if (received > 0) co_return received;
  }
  co_return 0;
}

asio::awaitable<oci::Result<std::string>> Exchange::read_body_string(std::uint64_t max) {
  if (auto length = content_length(); length && *length > max) {
    co_return oci::fail(oci::ErrorCode::kSizeInvalid, "request body too large",
                        "limit is " + std::to_string(max) + " bytes");
  }
  std::string body;
  std::vector<std::byte> piece(std::size_t{64} << 10);
  for (;;) {
    auto n = co_await read_body(piece);
    if (!n) co_return std::unexpected(n.error());
    if (*n == 0) co_return body;
    if (body.size() + *n > max) {
      co_return oci::fail(oci::ErrorCode::kSizeInvalid, "request body too large",
                          "limit is " + std::to_string(max) + " bytes");
    }
    body.append(reinterpret_cast<const char*>(piece.data()), *n);
  }
}

// Responses take their fields' memory where the request's came from.
template <class Response>
Response make(const RequestParser& parser, http::status status) {
  Response response(std::piecewise_construct, std::make_tuple(),
                    std::make_tuple(parser.get().get_allocator()));
  response.result(status);
  response.version(parser.get().version());
  return response;
}

StringResponse Exchange::make_response(http::status status) const {
  return make<StringResponse>(parser_, status);
}

HeaderResponse Exchange::make_header(http::status status) const {
  return make<HeaderResponse>(parser_, status);
}

bool Exchange::keep_alive() const { return response_keep_alive_ && !broken_ && parser_.is_done(); }

void Exchange::begin_response(unsigned status) {
  status_ = status;
  // A body left unread (the handler answered before reading it) cannot be skipped safely.
  response_keep_alive_ = parser_.get().keep_alive() && !closing_ && !broken_ && parser_.is_done();
}

asio::awaitable<void> Exchange::write(std::string_view head, std::string_view body) {
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  stream_.expires_after(config_.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream_, buffers, as_tuple(use_awaitable));
  if (ec) broken_ = true;
  bytes_sent_ += body.size();
}

asio::awaitable<void> Exchange::send(StringResponse response) {
  begin_response(response.result_int());
  ResponseHead head(head_, response.version(), response.result());
  head.add(response.base());
  if (!request_id_.empty()) head.add("X-Request-Id", request_id_);
  // As Beast's prepare_payload: these statuses have no body and no length.
  const auto status = response.result();
  if (!(status == http::status::no_content || status == http::status::not_modified ||
        http::to_status_class(status) == http::status_class::informational)) {
    head.content_length(response.body().size());
  }
  head.connection(response_keep_alive_);
  const std::string_view body =
      method() == http::verb::head ? std::string_view() : std::string_view(response.body());
  co_await write(head.finish(), body);
}

asio::awaitable<void> Exchange::send_header(HeaderResponse response) {
  begin_response(response.result_int());
  ResponseHead head(head_, response.version(), response.result());
  head.add(response.base());
  if (!request_id_.empty()) head.add("X-Request-Id", request_id_);
  if (response.find(http::field::content_length) == response.end()) head.content_length(0);
  head.connection(response_keep_alive_);
  co_await write(head.finish(), "");
}

asio::awaitable<void> Exchange::send_bytes(http::status status, std::span<const HeaderLine> headers,
                                           std::string_view body) {
  begin_response(static_cast<unsigned>(status));
  ResponseHead head(head_, parser_.get().version(), status);
  for (const HeaderLine& line : headers) {
    if (line.quoted) {
      head.add_quoted(line.name, line.value);
    } else {
      head.add(line.name, line.value);
    }
  }
  if (!request_id_.empty()) head.add("X-Request-Id", request_id_);
  head.content_length(body.size());
  head.connection(response_keep_alive_);
  co_await write(head.finish(), method() == http::verb::head ? std::string_view() : body);
}

asio::awaitable<void> Exchange::send_blob(HeaderResponse response, storage::Reader& reader,
                                          std::uint64_t length, asio::thread_pool& blocking) {
  response.content_length(length);
  co_await send_header(std::move(response));
  if (broken_ || method() == http::verb::head || length == 0) co_return;
  // The filesystem driver's; over TLS the bytes must pass through OpenSSL (no kernel TLS here).
  const std::optional<int> fd = stream_.is_tls() ? std::nullopt : storage::file_descriptor(reader);
  const bool sent =
      fd ? co_await sendfile_all(*fd, length) : co_await copy_all(reader, length, blocking);
  if (!sent) broken_ = true;  // the client saw a short body: it must not reuse the connection
}

asio::awaitable<void> Exchange::send_arriving_blob(HeaderResponse response, storage::Reader& reader,
                                                   std::uint64_t length,
                                                   asio::thread_pool& blocking,
                                                   const Arrival& arrived) {
  response.content_length(length);
  co_await send_header(std::move(response));
  if (broken_ || method() == http::verb::head || length == 0) co_return;
  const std::optional<int> fd = stream_.is_tls() ? std::nullopt : storage::file_descriptor(reader);
  std::uint64_t sent = 0;
  while (sent < length) {
    const oci::Result<std::uint64_t> there = co_await arrived(sent);
    if (!there) break;
    if (std::min(*there, length) <= sent) break;  // nothing new: a broken promise, not a wait
    const std::uint64_t part = std::min(*there, length) - sent;
    const bool ok =
        fd ? co_await sendfile_all(*fd, part) : co_await copy_all(reader, part, blocking);
    if (!ok) break;
    sent += part;
  }
  if (sent < length) broken_ = true;
}

asio::awaitable<bool> Exchange::sendfile_all(int fd, std::uint64_t length) {
  auto& socket = stream_.socket();
  socket.native_non_blocking(true);
  asio::steady_timer timer(socket.get_executor());
  while (length > 0) {
    const ssize_t n = ::sendfile(socket.native_handle(), fd, nullptr, length);
    if (n > 0) {
      length -= static_cast<std::uint64_t>(n);
      bytes_sent_ += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n == 0) co_return false;  // the file is shorter than its record
    if (errno == EINTR) continue;
    if (errno != EAGAIN) co_return false;
    timer.expires_after(config_.write_timeout);
    auto ready = co_await (socket.async_wait(tcp::socket::wait_write, as_tuple(use_awaitable)) ||
                           timer.async_wait(as_tuple(use_awaitable)));
    if (ready.index() != 0 || std::get<0>(std::get<0>(ready))) co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Exchange::copy_all(storage::Reader& reader, std::uint64_t length,
                                         asio::thread_pool& blocking) {
  std::vector<std::byte> piece(std::size_t{256} << 10);
  while (length > 0) {
    const std::span<std::byte> into(piece.data(), std::min<std::uint64_t>(piece.size(), length));
    auto n = co_await offload(blocking, [&] { return reader.read(into); });
    if (!n || *n == 0) co_return false;
    stream_.expires_after(config_.write_timeout);
    auto [ec, written] = co_await asio::async_write(stream_, asio::buffer(piece.data(), *n),
                                                    as_tuple(use_awaitable));
    if (ec) co_return false;
    length -= *n;
    bytes_sent_ += *n;
  }
  co_return true;
}

asio::awaitable<void> Exchange::send_error(const oci::Error& error) {
  auto response = make_response(status_for(error.code));
  response.set(http::field::content_type, "application/json");
  response.body() = error_body(error);
  co_await send(std::move(response));
}

}  // namespace server
