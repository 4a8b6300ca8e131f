#include "transfer/registry_threads.h"

#include <algorithm>

namespace transfer {

RegistryThreads::RegistryThreads(std::size_t count) {
  threads_.reserve(std::max<std::size_t>(count, 1));
  for (std::size_t i = 0; i < std::max<std::size_t>(count, 1); ++i) {
    threads_.emplace_back([this] { serve(); });
  }
}

RegistryThreads::~RegistryThreads() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void RegistryThreads::run_here_and_wait(const std::function<void()>& work) {
  Job job{.work = &work, .failure = nullptr, .done = false};
  std::unique_lock lock(mutex_);
  jobs_.push_back(&job);
  queued_.notify_one();
  finished_.wait(lock, [&] { return job.done; });
  if (job.failure) std::rethrow_exception(job.failure);
}

void RegistryThreads::serve() {
  std::unique_lock lock(mutex_);
  while (true) {
    queued_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and every job handed over is done
    Job* job = jobs_.front();
    jobs_.pop_front();
    lock.unlock();
    std::exception_ptr failure;
    try {
      (*job->work)();
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    job->failure = failure;
    job->done = true;
    finished_.notify_all();
  }
}

}  // namespace transfer
