// Where a metric's hot-path updates land: one cache line per shard, a thread always on the
// same shard, so threads counting at once do not bounce one cache line between cores. A value
// is the sum over the shards, read at scrape time.
#pragma once

#include <atomic>
#include <cstddef>

namespace metrics::detail {

inline constexpr std::size_t kShards = 8;
inline constexpr std::size_t kCacheLine = 64;

// The next shard to hand a thread that counts for the first time.
std::size_t next_shard();

inline std::size_t shard_index() {
  thread_local const std::size_t index = next_shard();
  return index;
}

}  // namespace metrics::detail
