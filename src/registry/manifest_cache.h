// Manifest bytes by digest, least recently used first out. Content-addressed bytes never
// change, so the cache needs no invalidation: a deleted manifest is unreachable through the
// metadata lookup that precedes every read. Garbage collection erases what it removed, so
// that the memory goes with it.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace registry {

class ManifestCache {
 public:
  explicit ManifestCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

  std::shared_ptr<const std::string> get(const std::string& digest);
  void put(const std::string& digest, std::shared_ptr<const std::string> bytes);
  void erase(const std::string& digest);

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const std::string>>;
  std::size_t capacity_;
  std::size_t used_ = 0;
  std::mutex mutex_;
  std::list<Entry> order_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace registry
