#include "server/server.h"

#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <csignal>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "mirror/pull_through.h"
#include "server/quota_ledger.h"
#include "server/request_limits.h"
#include "server/server_metrics.h"
#include "server/session.h"
#include "server/tls_context.h"
#include "server/tls_reloader.h"
#include "sys/sd_notify.h"

namespace server {
namespace {

using asio::as_tuple;
using asio::use_awaitable;

constexpr std::chrono::seconds kUsersReloadInterval{2};

// Tells systemd (Type=notify) this process's state; nothing without NOTIFY_SOCKET.
void notify(std::string_view state) {
  if (auto sent = sys::sd_notify(state); !sent) {
    spdlog::warn("telling systemd {}: {}", state, sent.error().message);
  }
}

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

// One io_context per thread, each run by its thread alone: a connection lives on one thread
// from accept to close, so serving it needs no strand, no lock and no wake-up of another
// thread. The first context also runs the acceptor, signals and timers.
class IoContexts {
 public:
  explicit IoContexts(unsigned threads) {
    for (unsigned i = 0; i < threads; ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      work_.push_back(asio::make_work_guard(*contexts_.back()));
    }
  }
  asio::io_context& main() { return *contexts_.front(); }
  // Round robin, for the next connection.
  asio::io_context& next() { return *contexts_[next_++ % contexts_.size()]; }
  // Runs every context, the first on the calling thread; returns when all have stopped.
  void run() {
    std::vector<std::jthread> workers;
    for (std::size_t i = 1; i < contexts_.size(); ++i) {
      workers.emplace_back([this, i] { contexts_[i]->run(); });
    }
    main().run();
  }
  // Each context returns from run() once it has no more work.
  void release() { work_.clear(); }
  void stop() {
    for (auto& context : contexts_) context->stop();
  }

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::size_t next_ = 0;  // used by the accepting thread only
};

std::unique_ptr<ServerMetrics> make_metrics(const MetricsConfig& config,
                                            registry::Registry& registry, RequestLimits& limits) {
  if (!config.enabled) return nullptr;
  return std::make_unique<ServerMetrics>(
      metrics::default_registry(), [&registry] { return registry.blob_totals(); },
      [&limits] { return limits.uploads_in_progress(); });
}

class Server {
 public:
  Server(const ServerConfig& config, registry::Registry& registry, Authenticator* authenticator,
         unsigned threads, std::shared_ptr<TlsContext> tls, Extensions extensions,
         ConfigSource source)
      : config_(config),
        limits_(config.limits),
        metrics_(make_metrics(config.metrics, registry, limits_)),
        io_(threads),
        blocking_(std::max(4u, threads * 2)),
        gc_options_([&] {
          auto options = gc_options(config.gc, config.mirror.upstreams);
          options.retention = config.retention.rules;  // applied first by every run
          options.pulls = extensions.pulls;
          return options;
        }()),
        context_{
            .registry = registry,
            .blocking = blocking_,
            .authenticator = authenticator,
            .mirror = extensions.mirror,
            .sync_sets = extensions.sync_sets,
            .gc = &gc_options_,
            .metrics = metrics_.get(),
            .metrics_config = &config.metrics,
            .events = extensions.events,
            .quotas = extensions.quotas,
            .pulls = extensions.pulls,
            .ui_enabled = config.ui_enabled,
        },
        shared_{config.http, context_, limits_, config.tls.handshake_timeout},
        acceptor_(io_.main()),
        signals_(io_.main(), SIGINT, SIGTERM),
        hangup_(io_.main(), SIGHUP),
        purge_timer_(io_.main()),
        users_timer_(io_.main()),
        quota_timer_(io_.main()),
        deadline_(io_.main()),
        reloader_(std::move(source), authenticator) {
    if (tls) tls_.emplace(config.tls, std::move(tls), io_.main(), blocking_);
  }

  oci::Result<void> run(unsigned threads) {
    auto endpoint = resolve_listen(config_.listen);
    if (!endpoint) return std::unexpected(endpoint.error());
    if (auto opened = open_acceptor(acceptor_, *endpoint); !opened) return opened;
    const auto bound = acceptor_.local_endpoint();
    spdlog::info("regmirror serving {} on {}:{} (storage {}, {} threads)", tls_ ? "HTTPS" : "HTTP",
                 bound.address().to_string(), bound.port(), config_.storage_root.string(), threads);
    if (tls_) {
      spdlog::info("TLS certificate: {}", describe_certificate(*tls_->current()));
      tls_->watch();
    }

    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (!ec) begin_shutdown(signal);
    });
    wait_for_hangup();
    schedule_purge();
    if (context_.authenticator != nullptr) schedule_users_reload();
    if (context_.quotas != nullptr) schedule_quota_correction();
    asio::co_spawn(io_.main(), accept_loop(), asio::detached);
    // Sent from the running loop: the listener is bound, and the store was opened and
    // migrated before serve() was called.
    asio::post(io_.main(), [] { notify("READY=1"); });

    io_.run();
    blocking_.join();
    // Its callbacks resume requests on these threads: none may come once they are gone.
    if (context_.mirror != nullptr) context_.mirror->stop();
    spdlog::info("regmirror stopped");
    return {};
  }

 private:
  // Waits for a connection, then takes every other one already queued before waiting again:
  // when thousands connect at once, the acceptor's turns among the busy connections do not
  // leave the last of them queued for seconds.
  asio::awaitable<void> accept_loop() {
    acceptor_.non_blocking(true);
    while (acceptor_.is_open()) {
      tcp::socket socket(io_.next());
      auto [ec] = co_await acceptor_.async_accept(socket, as_tuple(use_awaitable));
      while (!ec) {
        start_session(std::move(socket));
        socket = tcp::socket(io_.next());
        acceptor_.accept(socket, ec);
      }
      if (ec == asio::error::would_block || ec == asio::error::try_again) continue;
      if (!acceptor_.is_open()) break;
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer pause(io_.main(), std::chrono::milliseconds(50));  // e.g. no descriptors
      co_await pause.async_wait(as_tuple(use_awaitable));
    }
  }

  void start_session(tcp::socket socket) {
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session =
        std::make_shared<Session>(std::move(socket), tls_ ? tls_->current() : nullptr, shared_);
    const bool over_limit = sessions_.size() >= config_.http.max_connections;
    sessions_.add(session);
    asio::co_spawn(session->executor(), serve_session(session, over_limit), asio::detached);
  }

  asio::awaitable<void> serve_session(std::shared_ptr<Session> session, bool over_limit) {
    if (over_limit) {
      co_await session->refuse_busy();
    } else {
      co_await session->run();
    }
    if (sessions_.remove(session) == 0 && shared_.stopping) {
      asio::post(io_.main(), [this] {
        deadline_.cancel();
        io_.release();
      });
    }
  }

  // SIGHUP reloads what can be reloaded; it never stops the server.
  void wait_for_hangup() {
    hangup_.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      if (auto sent = sys::sd_notify_reloading(); !sent) {
        spdlog::warn("telling systemd RELOADING=1: {}", sent.error().message);
      }
      if (tls_) tls_->reload("SIGHUP");
      asio::post(blocking_, [this] {
        std::lock_guard one_at_a_time(reloading_);
        reloader_.reload();
        if (!shared_.stopping) notify("READY=1");
      });
      wait_for_hangup();
    });
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

  // The htpasswd file is looked at every few seconds: `regmirror passwd` takes effect without
  // a restart, and a deleted user's cached logins go with the file's next version.
  void schedule_users_reload() {
    users_timer_.expires_after(kUsersReloadInterval);
    users_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      asio::post(blocking_, [this] { context_.authenticator->reload_users(); });
      schedule_users_reload();
    });
  }

  // What other replicas pushed, and what deletes and GC freed, into the quotas' usage.
  void schedule_quota_correction() {
    quota_timer_.expires_after(kQuotaCorrectionInterval);
    quota_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      asio::post(blocking_, [this] {
        if (auto corrected = context_.quotas->correct(); !corrected) {
          spdlog::warn("reading quota usage: {}", corrected.error().message);
        }
      });
      schedule_quota_correction();
    });
  }

  void begin_shutdown(int signal) {
    spdlog::info("signal {}: finishing in-flight requests", signal);
    notify("STOPPING=1");
    shared_.stopping = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    hangup_.cancel(ignored);
    if (tls_) tls_->stop();
    purge_timer_.cancel();
    users_timer_.cancel();
    quota_timer_.cancel();
    sessions_.close_idle();
    if (sessions_.size() == 0) {
      io_.release();
      return;
    }
    deadline_.expires_after(config_.http.shutdown_timeout);
    deadline_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;  // the last session ended first
      spdlog::warn("shutdown timeout: closing the remaining connections");
      io_.stop();
    });
  }

  const ServerConfig& config_;
  // Before io_: destroying io_ destroys the coroutines of unfinished requests, and with them
  // the upload slots they give back.
  RequestLimits limits_;
  std::unique_ptr<ServerMetrics> metrics_;  // null: metrics.enabled is false
  IoContexts io_;
  asio::thread_pool blocking_;
  const registry::GcOptions gc_options_;  // POST /regmirror/v1/gc
  Context context_;
  SessionShared shared_;
  SessionSet sessions_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::signal_set hangup_;
  std::optional<TlsReloader> tls_;
  asio::steady_timer purge_timer_;
  asio::steady_timer users_timer_;
  asio::steady_timer quota_timer_;
  asio::steady_timer deadline_;
  ConfigReloader reloader_;
  std::mutex reloading_;  // one SIGHUP reload at a time
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

oci::Result<void> serve(const ServerConfig& config, registry::Registry& registry,
                        Authenticator* authenticator, std::shared_ptr<TlsContext> tls,
                        Extensions extensions, ConfigSource source) {
  std::signal(SIGPIPE, SIG_IGN);  // sendfile(2) to a closed socket must not kill the server
  raise_descriptor_limit();
  const unsigned threads = config.http.threads != 0
                               ? config.http.threads
                               : std::max(1u, std::thread::hardware_concurrency());
  Server server(config, registry, authenticator, threads, std::move(tls), extensions,
                std::move(source));
  return server.run(threads);
}

}  // namespace server
