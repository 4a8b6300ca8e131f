// Wakes the deliverers when the outbox got new events, so they need not poll it often.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>

namespace events {

class Doorbell {
 public:
  void ring() {
    {
      std::lock_guard lock(mutex_);
      ++rings_;
    }
    rung_.notify_all();
  }
  // How many times it rang so far: what wait() compares with.
  std::uint64_t rings() {
    std::lock_guard lock(mutex_);
    return rings_;
  }
  // Until it rings after `seen` rings, `timeout` passes or `stop` is requested.
  void wait(std::uint64_t seen, std::chrono::milliseconds timeout, const std::stop_token& stop) {
    std::unique_lock lock(mutex_);
    rung_.wait_for(lock, stop, timeout, [&] { return rings_ != seen; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable_any rung_;
  std::uint64_t rings_ = 0;
};

}  // namespace events
