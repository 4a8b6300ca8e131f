// A connection's byte stream: plain TCP, or TLS over it. One type for both, so that Session
// and Exchange (and the handlers behind them) are not templates: each read and write goes to
// whichever the connection uses.
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "server/http.h"

namespace server {

using TlsContext = asio::ssl::context;

class Stream {
 public:
  using executor_type = beast::tcp_stream::executor_type;

  // TLS with `tls` (kept alive as long as this connection uses it), plain TCP when it is null.
  Stream(tcp::socket socket, std::shared_ptr<TlsContext> tls);
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  executor_type get_executor() { return tcp_->get_executor(); }
  tcp::socket& socket() { return tcp_->socket(); }
  // The next reads and writes fail with beast::error::timeout (and the socket closes) unless
  // they complete within `timeout`.
  void expires_after(std::chrono::steady_clock::duration timeout) { tcp_->expires_after(timeout); }
  bool is_tls() const { return tls_.has_value(); }

  // TLS only: the server's side of the handshake, within `timeout`.
  asio::awaitable<boost::system::error_code> handshake(std::chrono::steady_clock::duration timeout);
  // TLS only: the CN of the certificate the client presented, when it was verified; else "".
  std::string certificate_user();
  // TLS only: "TLSv1.3" or "TLSv1.2".
  std::string_view tls_version() { return SSL_get_version(tls_->native_handle()); }
  enum class Linger { kNo, kYes };
  // Ends the connection: TLS sends its close_notify (without waiting for the client's), then
  // TCP its FIN. With Linger::kYes (the last answer may have left bytes of the request unread),
  // what the client still sends is then read and dropped until it closes its side, so that no
  // reset destroys the answer. Each step takes at most `timeout`.
  asio::awaitable<void> close(std::chrono::steady_clock::duration timeout, Linger linger);

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& into) {
          if (tls_) {
            tls_->async_read_some(into, std::move(handler));
          } else {
            plain_->async_read_some(into, std::move(handler));
          }
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& from) {
          if (tls_) {
            tls_->async_write_some(from, std::move(handler));
          } else {
            plain_->async_write_some(from, std::move(handler));
          }
        },
        token, buffers);
  }

 private:
  std::shared_ptr<TlsContext> context_;  // declared first: outlives tls_, which uses it
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::tcp_stream* tcp_;  // plain_, or the TCP stream under tls_
};

// A TLS or socket error that means the peer is gone or spoke no TLS: nothing can be answered.
bool is_tls_failure(const boost::system::error_code& ec);

}  // namespace server
