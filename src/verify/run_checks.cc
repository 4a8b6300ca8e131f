#include "verify/run_checks.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace verify {
namespace {

// An exception escaping a worker thread would end the process: it is this image's ERROR.
ImageVerdict checked(const ImageChecker& checker, const std::string& image) {
  try {
    return checker.check(image);
  } catch (const std::exception& error) {
    return ImageVerdict{.image = image,
                        .status = Status::kError,
                        .reason = std::string("internal error: ") + error.what()};
  }
}

}  // namespace

std::vector<ImageVerdict> run_checks(const std::vector<std::string>& images,
                                     const ImageChecker& checker, int jobs,
                                     const CheckedCallback& on_done) {
  std::vector<ImageVerdict> verdicts(images.size());
  std::atomic<std::size_t> next{0};
  std::mutex report_mutex;
  const auto work = [&] {
    for (std::size_t i = next++; i < images.size(); i = next++) {
      verdicts[i] = checked(checker, images[i]);
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
