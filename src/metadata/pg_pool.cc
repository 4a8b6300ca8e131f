#include "metadata/pg_pool.h"

namespace metadata::postgres {

Pool::Pool(std::string url, std::size_t size, std::chrono::milliseconds connect_timeout)
    : url_(std::move(url)),
      size_(std::max<std::size_t>(size, 1)),
      connect_timeout_(connect_timeout) {}

Pool::Lease::~Lease() {
  if (connection_) pool_->give_back(std::move(connection_));
}

oci::Result<Pool::Lease> Pool::borrow() {
  {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
    ++open_;  // reserved while connecting, outside the lock
  }
  auto opened = Connection::open(url_, connect_timeout_);
  if (!opened) {
    std::lock_guard lock(mutex_);
    --open_;
    returned_.notify_one();
    return std::unexpected(std::move(opened.error()));
  }
  return Lease(*this, std::move(*opened));
}

void Pool::drop_idle() {
  std::lock_guard lock(mutex_);
  open_ -= idle_.size();
  idle_.clear();
  returned_.notify_all();
}

void Pool::give_back(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->broken()) {
    --open_;
  } else {
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

}  // namespace metadata::postgres
