#include "metadata/read_cache.h"

#include <limits>

namespace metadata {
namespace {

// What an entry costs besides its key and strings: the map node, the shared value, the
// variant. An estimate, so that many small entries count.
constexpr std::size_t kEntryOverhead = 128;

std::size_t footprint(const ReadCache::Value& value) {
  struct Size {
    std::size_t operator()(bool) const { return 0; }
    std::size_t operator()(std::uint64_t) const { return 0; }
    std::size_t operator()(const std::string& text) const { return text.capacity(); }
    std::size_t operator()(const ManifestRecord& m) const {
      return m.digest.capacity() + m.media_type.capacity() + m.artifact_type.capacity() +
             (m.subject ? m.subject->capacity() : 0) + m.annotations_json.capacity();
    }
    std::size_t operator()(const std::vector<std::string>& items) const {
      std::size_t total = items.capacity() * sizeof(std::string);
      for (const auto& item : items) total += item.capacity();
      return total;
    }
  };
  return std::visit(Size{}, value);
}

}  // namespace

ReadCache::ReadCache(ReadCacheOptions options, Probe probe)
    : options_(options),
      probe_(std::move(probe)),
      validated_at_(std::numeric_limits<Clock::rep>::min()) {}

bool ReadCache::overdue(Clock::rep now) const {
  const Clock::rep staleness =
      std::chrono::duration_cast<Clock::duration>(options_.max_staleness).count();
  // Compared as a difference so that "never" (the minimum) does not overflow.
  const Clock::rep at = validated_at_.load(std::memory_order_acquire);
  return at == std::numeric_limits<Clock::rep>::min() || now - at >= staleness;
}

std::uint64_t ReadCache::validate() {
  const Clock::rep now = Clock::now().time_since_epoch().count();
  if (overdue(now)) {
    std::lock_guard lock(probe_mutex_);
    // Another thread may have checked while this one waited; a check that started after this
    // read did covers it.
    if (overdue(now)) {
      const Clock::rep started = Clock::now().time_since_epoch().count();
      auto version = probe_();
      if (!version || *version != last_version_) invalidate();
      if (version) {
        last_version_ = *version;
        validated_at_.store(started, std::memory_order_release);
      }
    }
  }
  return generation_.load(std::memory_order_acquire);
}

std::shared_ptr<const ReadCache::Value> ReadCache::find(std::string_view key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second;
}

void ReadCache::keep(std::uint64_t ticket, std::string_view key,
                     std::shared_ptr<const Value> value) {
  const std::size_t bytes = key.size() + footprint(*value) + kEntryOverhead;
  if (bytes > options_.max_bytes / 4) return;  // one answer must not crowd out the others
  std::lock_guard lock(mutex_);
  if (generation_.load(std::memory_order_relaxed) != ticket) return;  // read before a change
  if (entries_.contains(key)) return;
  if (bytes_ + bytes > options_.max_bytes) {
    entries_.clear();
    bytes_ = 0;
  }
  entries_.emplace(std::string(key), std::move(value));
  bytes_ += bytes;
}

void ReadCache::invalidate() {
  std::lock_guard lock(mutex_);
  generation_.fetch_add(1, std::memory_order_release);
  entries_.clear();
  bytes_ = 0;
}

}  // namespace metadata
