// Answers to the store's hot read queries (which digest a tag names, a manifest's record, a
// blob's link, a tag list), kept in memory so that pulls need no database round trip.
//
// Several processes may share one database, so the cache is correct only with two rules:
// - a write through this process drops everything (invalidate()) once it has committed;
// - writes by anyone else are noticed through the database's change counter (`probe`), asked
//   at most every `max_staleness` by the first read that finds the last check older than
//   that. An answer served is therefore never older than `max_staleness`; 0 asks on every
//   read.
// Only positive answers are kept ("this tag names D", "this blob is linked"): absence is always
// asked of the database, so a push whose blobs another process just stored never sees a stale
// "unknown".
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "metadata/store.h"

namespace metadata {

struct ReadCacheOptions {
  // How long a change committed by another process may go unnoticed; 0 = not at all.
  std::chrono::milliseconds max_staleness{100};
  // Memory for answers; when full, the cache starts over. 0 = no cache.
  std::size_t max_bytes = std::size_t{16} << 20;
};

class ReadCache {
 public:
  // The database's change counter: any value other than the previous one means something may
  // have changed since.
  using Probe = std::function<Result<std::uint64_t>()>;
  using Value =
      std::variant<bool, std::uint64_t, std::string, ManifestRecord, std::vector<std::string>>;

  ReadCache(ReadCacheOptions options, Probe probe);

  // Returns the value cached under `key`, or loads it with `load` (which returns
  // Result<std::optional<V>>) and keeps what it found.
  template <class V, class Load>
  Result<std::optional<V>> get(std::string_view key, Load&& load) {
    if (!enabled()) return load();
    const std::uint64_t ticket = validate();
    if (auto hit = find(key)) {
      if (const V* value = std::get_if<V>(hit.get())) return *value;
    }
    auto loaded = load();
    if (loaded && *loaded) keep(ticket, key, std::make_shared<const Value>(**loaded));
    return loaded;
  }

  // The value cached under `key` if it may be served without asking the database anything:
  // present, and the last check for other processes' writes is recent enough. Never blocks
  // on the database (nor loads, nor probes): for callers on threads that must not block.
  template <class V>
  std::optional<V> peek(std::string_view key) {
    if (!enabled() || overdue(Clock::now().time_since_epoch().count())) return std::nullopt;
    auto hit = find(key);
    if (!hit) return std::nullopt;
    const V* value = std::get_if<V>(hit.get());
    return value ? std::optional<V>(*value) : std::nullopt;
  }

  // After a write committed: nothing cached before it is served again, and a load that read
  // the database before the write is not kept.
  void invalidate();

  bool enabled() const { return options_.max_bytes > 0; }

 private:
  struct StringHash : std::hash<std::string_view> {
    using is_transparent = void;
  };
  using Clock = std::chrono::steady_clock;

  // The last check for other processes' writes is older than the staleness allows at `now`.
  bool overdue(Clock::rep now) const;
  // Asks the probe when the last check is too old; returns the generation a load starts in.
  std::uint64_t validate();
  std::shared_ptr<const Value> find(std::string_view key);
  void keep(std::uint64_t ticket, std::string_view key, std::shared_ptr<const Value> value);

  const ReadCacheOptions options_;
  const Probe probe_;

  std::mutex probe_mutex_;  // one probe at a time; guards last_version_
  std::optional<std::uint64_t> last_version_;
  std::atomic<Clock::rep> validated_at_;  // when the last probe that found no change started

  std::mutex mutex_;                          // guards what follows
  std::atomic<std::uint64_t> generation_{0};  // written under mutex_, read without
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const Value>, StringHash, std::equal_to<>>
      entries_;
};

}  // namespace metadata
