// How many of something (uploads being received) are under way at once, per key (a client
// address) and in total, safe to share between threads. A Slot counts one until it is
// destroyed, so every way out of a handler gives it back.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace server {

class ConcurrencyLimit {
 public:
  // 0 = unlimited.
  ConcurrencyLimit(std::size_t per_key, std::size_t total);

  class Slot {
   public:
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&&) = delete;
    ~Slot();

   private:
    friend class ConcurrencyLimit;
    Slot(ConcurrencyLimit& owner, std::string key);
    ConcurrencyLimit* owner_;
    std::string key_;
  };

  // A slot for `key`, or nothing when `key` or everyone together is at the limit.
  std::optional<Slot> try_acquire(std::string_view key);

  std::size_t in_use();
  std::size_t in_use(std::string_view key);

 private:
  void release(const std::string& key);

  const std::size_t per_key_;
  const std::size_t total_;
  std::mutex mutex_;
  std::size_t in_use_ = 0;
  // Only keys holding a slot: the map is never larger than the slots in use.
  std::unordered_map<std::string, std::size_t> per_key_in_use_;
};

}  // namespace server
