#include "verify/run_checks.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace verify {

std::vector<ImageVerdict> run_checks(const std::vector<std::string>& images,
                                     const ImageChecker& checker, int jobs,
                                     const CheckedCallback& on_done) {
  std::vector<ImageVerdict> verdicts(images.size());
  std::atomic<std::size_t> next{0};
  std::mutex report_mutex;
  const auto work = [&] {
    for (std::size_t i = next++; i < images.size(); i = next++) {
      verdicts[i] = checker.check(images[i]);
      if (on_done) {
        std::lock_guard lock(report_mutex);
        on_done(verdicts[i]);
      }
    }
  };
  const std::size_t threads =
      std::min<std::size_t>(images.size(), static_cast<std::size_t>(std::max(1, jobs)));
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
  }
  return verdicts;
}

}  // namespace verify
