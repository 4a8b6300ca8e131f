#include "server/stream.h"

#include <array>

#include "server/peer_certificate.h"

namespace server {

using asio::as_tuple;
using asio::use_awaitable;

namespace {
// Past this many bytes after the answer a client is not finishing a body but streaming one.
constexpr std::size_t kMaxLingerBytes = std::size_t{64} << 20;
}  // namespace

Stream::Stream(tcp::socket socket, std::shared_ptr<TlsContext> tls) : context_(std::move(tls)) {
  if (context_) {
    tls_.emplace(std::move(socket), *context_);
    tcp_ = &tls_->next_layer();
  } else {
    plain_.emplace(std::move(socket));
    tcp_ = &*plain_;
  }
}

asio::awaitable<boost::system::error_code> Stream::handshake(
    std::chrono::steady_clock::duration timeout) {
  tcp_->expires_after(timeout);
  auto [ec] =
      co_await tls_->async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
  co_return ec;
}

std::string Stream::certificate_user() { return verified_common_name(tls_->native_handle()); }

asio::awaitable<void> Stream::close(std::chrono::steady_clock::duration timeout, Linger linger) {
  if (tls_ && tcp_->socket().is_open()) {
    // As if the client's close_notify had come: SSL_shutdown sends ours and is done, rather
    // than wait for a reply that an idle client may never send.
    SSL_set_shutdown(tls_->native_handle(), SSL_RECEIVED_SHUTDOWN);
    tcp_->expires_after(timeout);
    co_await tls_->async_shutdown(as_tuple(use_awaitable));
  }
  boost::system::error_code ignored;
  tcp_->socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (linger == Linger::kNo) co_return;
  // What the client still sends (the rest of a body that an early answer, such as 413, did
  // not read) is read and dropped until it closes its side. Closing with unread bytes makes
  // the kernel send a reset, which can reach the client (or a load balancer in between)
  // before the answer and destroy it.
  std::array<char, std::size_t{64} << 10> sink{};
  std::size_t drained = 0;
  tcp_->expires_after(timeout);
  while (drained < kMaxLingerBytes) {
    auto [ec, n] = co_await tcp_->async_read_some(asio::buffer(sink), as_tuple(use_awaitable));
    if (ec) break;  // the client's end of file, the timeout, or an error
    drained += n;
  }
}

bool is_tls_failure(const boost::system::error_code& ec) {
  return ec == asio::ssl::error::stream_truncated ||
         ec.category() == asio::error::get_ssl_category();
}

}  // namespace server
