// Keeps the TLS context that new connections get and replaces it, without dropping a
// connection, when asked (SIGHUP) or when one of its files changes (checked every
// tls.reload_interval). Connections keep the context they started with. A reload that fails
// (a missing or half-written file, a key that does not match) keeps the current context and
// says why in the log.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <ctime>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "server/config.h"
#include "server/stream.h"

namespace server {

class TlsReloader {
 public:
  // Checks files on `timers`' thread and loads them on `blocking`.
  TlsReloader(const TlsConfig& config, std::shared_ptr<TlsContext> initial,
              asio::io_context& timers, asio::thread_pool& blocking);

  // For a new connection; from any thread.
  std::shared_ptr<TlsContext> current() const { return current_.load(); }

  // Starts checking the files for changes (unless tls.reload_interval is 0).
  void watch();
  // Loads the files again now, whether they changed or not; returns at once.
  void reload(std::string_view why);
  // No more checks; on `timers`' thread.
  void stop();

 private:
  // What tells that a file was replaced or rewritten.
  struct Stamp {
    bool exists = false;
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    timespec modified{};
    bool operator==(const Stamp& other) const;
  };
  std::vector<Stamp> stamp_files() const;
  void check_later();
  // On the blocking pool.
  void load(std::string_view why, bool only_if_changed);

  const TlsConfig& config_;
  std::atomic<std::shared_ptr<TlsContext>> current_;
  asio::io_context& timers_;
  asio::thread_pool& blocking_;
  asio::steady_timer timer_;
  bool stopped_ = false;  // on timers_' thread
  std::mutex loading_;    // one load at a time; guards stamps_
  std::vector<Stamp> stamps_;
};

}  // namespace server
