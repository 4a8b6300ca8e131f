#include "server/tls_reloader.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "server/tls_context.h"

namespace server {

TlsReloader::TlsReloader(const TlsConfig& config, std::shared_ptr<TlsContext> initial,
                         asio::io_context& timers, asio::thread_pool& blocking)
    : config_(config),
      current_(std::move(initial)),
      timers_(timers),
      blocking_(blocking),
      timer_(timers),
      stamps_(stamp_files()) {}

bool TlsReloader::Stamp::operator==(const Stamp& other) const {
  return exists == other.exists && device == other.device && inode == other.inode &&
         size == other.size && modified.tv_sec == other.modified.tv_sec &&
         modified.tv_nsec == other.modified.tv_nsec;
}

std::vector<TlsReloader::Stamp> TlsReloader::stamp_files() const {
  std::vector<Stamp> stamps;
  for (const auto* file : {&config_.cert, &config_.key, &config_.client_ca}) {
    Stamp stamp;
    struct stat status {};
    // stat, not lstat: a Kubernetes secret volume swaps a symbolic link to new files.
    if (!file->empty() && ::stat(file->c_str(), &status) == 0) {
      stamp = {true, status.st_dev, status.st_ino, status.st_size, status.st_mtim};
    }
    stamps.push_back(stamp);
  }
  return stamps;
}

void TlsReloader::watch() {
  if (config_.reload_interval.count() > 0) check_later();
}

void TlsReloader::check_later() {
  timer_.expires_after(config_.reload_interval);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    asio::post(blocking_, [this] {
      load("its files changed", true);
      asio::post(timers_, [this] {
        if (!stopped_) check_later();
      });
    });
  });
}

void TlsReloader::reload(std::string_view why) {
  asio::post(blocking_, [this, why = std::string(why)] { load(why, false); });
}

void TlsReloader::stop() {
  stopped_ = true;
  timer_.cancel();
}

void TlsReloader::load(std::string_view why, bool only_if_changed) {
  std::lock_guard lock(loading_);
  // Stamped before reading: a change while the files are read is seen at the next check.
  auto stamps = stamp_files();
  if (only_if_changed && stamps == stamps_) return;
  // Remembered even when the load fails, so a broken file is reported once, not at every
  // check; writing it again (or SIGHUP) tries again.
  stamps_ = std::move(stamps);
  auto context = load_tls_context(config_);
  if (!context) {
    spdlog::warn("TLS reload ({}) failed, new connections keep the previous certificate: {}", why,
                 context.error().message);
    return;
  }
  spdlog::info("TLS reloaded ({}): new connections get {}", why, describe_certificate(**context));
  current_.store(std::move(*context));
}

}  // namespace server
