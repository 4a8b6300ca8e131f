#include "sync/sync_workers.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace imagesync {

void for_each_parallel(std::size_t count, int workers,
                       const std::function<void(std::size_t)>& work) {
  std::atomic<std::size_t> next{0};
  const auto threads_wanted = std::min(count, static_cast<std::size_t>(std::max(workers, 1)));
  std::vector<std::jthread> threads;
  threads.reserve(threads_wanted);
  for (std::size_t t = 0; t < threads_wanted; ++t) {
    threads.emplace_back([&] {
      for (std::size_t i = next++; i < count; i = next++) work(i);
    });
  }
}

}  // namespace imagesync
