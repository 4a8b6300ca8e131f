// One connection: a visible read -> handle -> write loop, as in Beast's examples.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <memory_resource>
#include <string>

#include "server/context.h"
#include "server/http.h"
#include "server/peer.h"
#include "server/route.h"
#include "server/stream.h"

namespace server {

struct HttpConfig;
class Exchange;
class RequestLimits;

// What sessions share with the server that runs them.
struct SessionShared {
  const HttpConfig& config;
  Context& context;
  RequestLimits& limits;
  std::chrono::milliseconds tls_handshake_timeout;
  std::atomic<bool> stopping{false};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // Speaks TLS with `tls`, plain HTTP when it is null.
  Session(tcp::socket socket, std::shared_ptr<TlsContext> tls, SessionShared& shared);

  asio::awaitable<void> run();
  // On shutdown: a connection waiting for its next request is closed at once.
  void close_if_idle();
  asio::any_io_executor executor() { return stream_.get_executor(); }
  // Over the connection limit: answer 429 and close.
  asio::awaitable<void> refuse_busy();

 private:
  // TLS: the handshake, then who the client's certificate names. False: close at once.
  asio::awaitable<bool> start_tls();
  asio::awaitable<void> refuse(http::status status, std::string_view code,
                               std::string_view message);
  // The route of a request, metrics.path included.
  Route route_request(std::string_view target) const;
  // The client's X-Request-Id when sane, else a fresh one, into request_id_.
  void take_request_id(std::string_view sent);
  void log_request(const Exchange& exchange, const Route& route,
                   std::chrono::system_clock::time_point started_at,
                   std::chrono::steady_clock::duration duration) const;

  Stream stream_;
  SessionShared& shared_;
  Peer peer_;
  std::string head_;        // response headers, written anew for each request
  std::string request_id_;  // this request's, kept between requests for its capacity
  // Header fields of one request and its response; started over for each request. Most fit
  // in the inline part, larger ones take memory from the heap until the request ends.
  std::array<std::byte, 2048> fields_inline_;
  std::pmr::monotonic_buffer_resource fields_{fields_inline_.data(), fields_inline_.size()};
  bool idle_ = true;
};

}  // namespace server
