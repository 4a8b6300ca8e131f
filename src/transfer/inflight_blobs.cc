#include "transfer/inflight_blobs.h"

#include <utility>

namespace transfer {

InflightBlobs& InflightBlobs::instance() {
  static InflightBlobs table;
  return table;
}

InflightBlobs::Claim::Claim(Claim&& other) noexcept
    : table_(std::exchange(other.table_, nullptr)), key_(std::move(other.key_)) {}

InflightBlobs::Claim::~Claim() {
  if (table_) table_->release(key_);
}

InflightBlobs::Claim InflightBlobs::claim(std::string key) {
  std::unique_lock lock(mutex_);
  released_.wait(lock, [&] { return !held_.contains(key); });
  held_.insert(key);
  return Claim(this, std::move(key));
}

void InflightBlobs::release(const std::string& key) {
  {
    std::lock_guard lock(mutex_);
    held_.erase(key);
  }
  released_.notify_all();
}

}  // namespace transfer
