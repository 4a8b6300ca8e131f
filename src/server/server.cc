#include "server/server.h"

#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <csignal>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "server/session.h"

namespace server {
namespace {

using asio::as_tuple;
using asio::use_awaitable;

// Live sessions, so shutdown can close the idle ones and know when the last one ends.
class SessionSet {
 public:
  void add(const std::shared_ptr<Session>& session) {
    std::lock_guard lock(mutex_);
    sessions_.insert(session);
  }
  // Returns how many remain.
  std::size_t remove(const std::shared_ptr<Session>& session) {
    std::lock_guard lock(mutex_);
    sessions_.erase(session);
    return sessions_.size();
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return sessions_.size();
  }
  void close_idle() {
    std::lock_guard lock(mutex_);
    for (const auto& session : sessions_) {
      asio::post(session->executor(), [session] { session->close_if_idle(); });
    }
  }

 private:
  std::mutex mutex_;
  std::set<std::shared_ptr<Session>> sessions_;
};

oci::Result<tcp::endpoint> resolve_listen(const std::string& listen) {
  auto address = parse_listen_address(listen);
  if (!address) return std::unexpected(address.error());
  boost::system::error_code ec;
  const auto ip = address->host.empty() ? asio::ip::address(asio::ip::address_v6::any())
                                        : asio::ip::make_address(address->host, ec);
  if (ec) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "listen address must be an IP address: \"" + address->host + "\"");
  }
  return tcp::endpoint(ip, address->port);
}

oci::Result<void> open_acceptor(tcp::acceptor& acceptor, const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "cannot listen on " + endpoint.address().to_string() + ":" +
                         std::to_string(endpoint.port()) + ": " + ec.message());
  }
  return {};
}

class Server {
 public:
  Server(const ServerConfig& config, registry::Registry& registry, unsigned threads)
      : config_(config),
        io_(static_cast<int>(threads)),
        blocking_(std::max(4u, threads * 2)),
        context_{registry, blocking_},
        shared_{config.http, context_},
        acceptor_(io_),
        signals_(io_, SIGINT, SIGTERM),
        purge_timer_(io_),
        deadline_(io_) {}

  oci::Result<void> run(unsigned threads) {
    auto endpoint = resolve_listen(config_.listen);
    if (!endpoint) return std::unexpected(endpoint.error());
    if (auto opened = open_acceptor(acceptor_, *endpoint); !opened) return opened;
    const auto bound = acceptor_.local_endpoint();
    spdlog::info("regmirror serving on {}:{} (storage {}, {} threads)", bound.address().to_string(),
                 bound.port(), config_.storage_root.string(), threads);

    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (!ec) begin_shutdown(signal);
    });
    schedule_purge();
    asio::co_spawn(io_, accept_loop(), asio::detached);

    std::vector<std::jthread> workers;
    for (unsigned i = 1; i < threads; ++i) workers.emplace_back([this] { io_.run(); });
    io_.run();
    workers.clear();
    blocking_.join();
    spdlog::info("regmirror stopped");
    return {};
  }

 private:
  asio::awaitable<void> accept_loop() {
    while (acceptor_.is_open()) {
      auto [ec, socket] =
          co_await acceptor_.async_accept(asio::make_strand(io_), as_tuple(use_awaitable));
      if (ec) {
        if (!acceptor_.is_open()) break;
        spdlog::warn("accept failed: {}", ec.message());
        asio::steady_timer pause(io_, std::chrono::milliseconds(50));  // e.g. out of descriptors
        co_await pause.async_wait(as_tuple(use_awaitable));
        continue;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto session = std::make_shared<Session>(std::move(socket), shared_);
      const bool over_limit = sessions_.size() >= config_.http.max_connections;
      sessions_.add(session);
      asio::co_spawn(session->executor(), serve_session(session, over_limit), asio::detached);
    }
  }

  asio::awaitable<void> serve_session(std::shared_ptr<Session> session, bool over_limit) {
    if (over_limit) {
      co_await session->refuse_busy();
    } else {
      co_await session->run();
    }
    if (sessions_.remove(session) == 0 && shared_.stopping) {
      asio::post(io_, [this] { deadline_.cancel(); });
    }
  }

  void schedule_purge() {
    purge_timer_.expires_after(config_.upload_purge_interval);
    purge_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      asio::post(blocking_, [this] {
        auto purged = context_.registry.purge_stale_uploads();
        if (!purged)
          spdlog::warn("purging stale uploads: {}", purged.error().message);
        else if (*purged > 0)
          spdlog::info("purged {} stale uploads", *purged);
      });
      schedule_purge();
    });
  }

  void begin_shutdown(int signal) {
    spdlog::info("signal {}: finishing in-flight requests", signal);
    shared_.stopping = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    purge_timer_.cancel();
    sessions_.close_idle();
    if (sessions_.size() == 0) return;
    deadline_.expires_after(config_.http.shutdown_timeout);
    deadline_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;  // the last session ended first
      spdlog::warn("shutdown timeout: closing the remaining connections");
      io_.stop();
    });
  }

  const ServerConfig& config_;
  asio::io_context io_;
  asio::thread_pool blocking_;
  Context context_;
  SessionShared shared_;
  SessionSet sessions_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::steady_timer purge_timer_;
  asio::steady_timer deadline_;
};

// Thousands of connections need thousands of descriptors: take what the hard limit allows.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

oci::Result<void> serve(const ServerConfig& config, registry::Registry& registry) {
  std::signal(SIGPIPE, SIG_IGN);  // sendfile(2) to a closed socket must not kill the server
  raise_descriptor_limit();
  const unsigned threads = config.http.threads != 0
                               ? config.http.threads
                               : std::max(1u, std::thread::hardware_concurrency());
  Server server(config, registry, threads);
  return server.run(threads);
}

}  // namespace server
