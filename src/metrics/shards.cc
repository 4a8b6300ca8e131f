#include "metrics/shards.h"

namespace metrics::detail {

std::size_t next_shard() {
  static std::atomic<std::size_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed) % kShards;
}

}  // namespace metrics::detail
