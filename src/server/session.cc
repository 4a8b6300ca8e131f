#include "server/session.h"

#include <spdlog/spdlog.h>

#include "server/access_log.h"
#include "server/config.h"
#include "server/exchange.h"
#include "server/handlers.h"
#include "server/request_id.h"
#include "server/request_limits.h"
#include "server/route.h"
#include "server/server_metrics.h"

namespace server {
namespace {

using asio::as_tuple;
using asio::use_awaitable;

constexpr std::size_t kIdleBuffer = std::size_t{16} << 10;
// For sending TLS's close_notify as a connection ends.
constexpr std::chrono::seconds kCloseTimeout{2};

bool is_quiet_close(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::operation_aborted || ec == beast::error::timeout ||
         ec == asio::error::connection_reset || ec == http::error::partial_message ||
         is_tls_failure(ec);
}

}  // namespace

Session::Session(tcp::socket socket, std::shared_ptr<TlsContext> tls, SessionShared& shared)
    : stream_(std::move(socket), std::move(tls)), shared_(shared) {
  boost::system::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  peer_.address = ec ? "-" : endpoint.address().to_string();
}

void Session::close_if_idle() {
  if (idle_) {
    boost::system::error_code ec;
    stream_.socket().cancel(ec);
  }
}

// Answers a request that could not be parsed, then the connection closes.
asio::awaitable<void> Session::refuse(http::status status, std::string_view code,
                                      std::string_view message) {
  http::response<http::string_body> response{status, 11};
  response.set(http::field::content_type, "application/json");
  new_request_id(request_id_);
  response.set("X-Request-Id", request_id_);
  response.set("Docker-Distribution-API-Version", "registry/2.0");
  response.keep_alive(false);
  response.body() = R"({"errors":[{"code":")" + std::string(code) + R"(","message":")" +
                    std::string(message) + R"(","detail":null}]})";
  response.prepare_payload();
  stream_.expires_after(shared_.config.write_timeout);
  co_await http::async_write(stream_, response, as_tuple(use_awaitable));
}

asio::awaitable<bool> Session::start_tls() {
  if (!stream_.is_tls()) co_return true;
  const auto ec = co_await stream_.handshake(shared_.tls_handshake_timeout);
  if (ec) {
    // Plain HTTP, a port scanner, a client that does not trust the certificate: not news.
    spdlog::debug("TLS handshake with {} failed: {}", peer_.address, ec.message());
    co_return false;
  }
  peer_.secure = true;
  peer_.certificate_user = stream_.certificate_user();
  spdlog::debug("TLS connection from {}: {}{}", peer_.address, stream_.tls_version(),
                peer_.certificate_user.empty() ? std::string()
                                               : ", certificate user " + peer_.certificate_user);
  co_return true;
}

asio::awaitable<void> Session::refuse_busy() {
  if (!co_await start_tls()) co_return;
  co_await refuse(http::status::too_many_requests, "TOOMANYREQUESTS", "too many connections");
  co_await stream_.close(kCloseTimeout, Stream::Linger::kYes);
}

Route Session::route_request(std::string_view target) const {
  Route route = server::route(target);
  const MetricsConfig* metrics = shared_.context.metrics_config;
  if (route.resource == Resource::kNone && shared_.context.metrics != nullptr &&
      metrics != nullptr && target.substr(0, target.find('?')) == metrics->path) {
    route.resource = Resource::kMetrics;
  }
  return route;
}

void Session::take_request_id(std::string_view sent) {
  if (sane_request_id(sent)) {
    request_id_.assign(sent);
  } else {
    new_request_id(request_id_);
  }
}

void Session::log_request(const Exchange& exchange, const Route& route,
                          std::chrono::system_clock::time_point started_at,
                          std::chrono::steady_clock::duration duration) const {
  // A tag or a digest; an upload's id is not a reference.
  const bool has_reference = route.resource == Resource::kManifest ||
                             route.resource == Resource::kBlob ||
                             route.resource == Resource::kReferrers;
  log_access({.time = started_at,
              .method = http::to_string(exchange.method()),
              .target = exchange.target(),
              .status = exchange.status(),
              .bytes = exchange.bytes_sent(),
              .duration = duration,
              .remote = peer_.address,
              .user = exchange.caller().user,
              .user_agent = exchange.header(http::field::user_agent),
              .repository = route.name,
              .reference = has_reference ? std::string_view(route.reference) : std::string_view(),
              .request_id = request_id_});
}

asio::awaitable<void> Session::run() {
  const HttpConfig& config = shared_.config;
  if (!co_await start_tls()) co_return;
  beast::flat_buffer buffer;
  // Whether the connection ends right after an answer, with bytes of the request maybe unread.
  auto linger = Stream::Linger::kNo;
  for (;;) {
    fields_.release();  // the last request's parser and responses are gone
    RequestParser parser(std::piecewise_construct, std::make_tuple(),
                         std::make_tuple(FieldAllocator(&fields_)));
    parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
    parser.body_limit(boost::none);  // handlers bound what they read
    idle_ = true;
    if (shared_.stopping) break;
    stream_.expires_after(config.idle_timeout);
    auto [ec, n] =
        co_await http::async_read_header(stream_, buffer, parser, as_tuple(use_awaitable));
    idle_ = false;
    if (ec) {
      if (ec == http::error::header_limit) {
        co_await refuse(http::status::request_header_fields_too_large, "UNSUPPORTED",
                        "request headers too large");
      } else if (!is_quiet_close(ec)) {
        co_await refuse(http::status::bad_request, "UNSUPPORTED", "malformed HTTP request");
      }
      if (!is_quiet_close(ec)) linger = Stream::Linger::kYes;
      break;
    }

    const auto started = std::chrono::steady_clock::now();
    const auto started_at = std::chrono::system_clock::now();
    const Route route = route_request(parser.get().target());
    Exchange exchange(stream_, buffer, head_, parser, peer_, config, shared_.stopping);
    take_request_id(exchange.header("X-Request-Id"));
    exchange.set_request_id(request_id_);
    ServerMetrics* const metrics = shared_.context.metrics;
    if (metrics != nullptr) metrics->http().started();
    bool failed = false;
    try {
      co_await handle_within_limits(exchange, route, shared_.context, shared_.limits, started);
    } catch (const std::exception& e) {
      spdlog::error("request {} failed: {}", std::string(parser.get().target()), e.what());
      failed = true;
    }
    if (failed && exchange.status() == 0) {
      const oci::Error error{oci::ErrorCode::kInternal, "internal error"};
      co_await exchange.send_error(error);
    }
    const auto duration = std::chrono::steady_clock::now() - started;
    if (metrics != nullptr) {
      metrics->http().finished({.resource = route.resource,
                                .method = parser.get().method(),
                                .status = exchange.status(),
                                .bytes_received = exchange.bytes_received(),
                                .bytes_sent = exchange.bytes_sent(),
                                .duration = duration});
    }
    if (access_log_enabled()) log_request(exchange, route, started_at, duration);
    if (failed) {
      linger = Stream::Linger::kYes;
      break;
    }
    if (!exchange.keep_alive()) {
      linger = Stream::Linger::kYes;
      break;
    }
    // An idle connection keeps a small buffer, whatever its last request body needed.
    if (buffer.size() == 0 && buffer.capacity() > kIdleBuffer) buffer.shrink_to_fit();
  }
  co_await stream_.close(kCloseTimeout, linger);
}

}  // namespace server
