// A fixed set of threads that make the calls into a registry::Registry for copies whose own
// threads come and go (a sync's workers, the copy engine's blob threads). The SQLite metadata
// store keeps one connection per calling thread until the store is destroyed, so it must only
// be called from a fixed set of threads (docs/architecture.md, "Threads").
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

namespace transfer {

class RegistryThreads {
 public:
  explicit RegistryThreads(std::size_t count);
  // Finishes the calls already handed over, then joins the threads.
  ~RegistryThreads();
  RegistryThreads(const RegistryThreads&) = delete;
  RegistryThreads& operator=(const RegistryThreads&) = delete;

  // Runs `call` on one of the threads and returns what it returned (an exception it threw is
  // thrown here). Must not be called from one of these threads.
  template <class F>
  std::invoke_result_t<F&> run(F call) {
    using R = std::invoke_result_t<F&>;
    if constexpr (std::is_void_v<R>) {
      run_here_and_wait([&] { call(); });
    } else {
      std::optional<R> result;
      run_here_and_wait([&] { result.emplace(call()); });
      return std::move(*result);
    }
  }

 private:
  struct Job {
    const std::function<void()>* work = nullptr;
    std::exception_ptr failure;
    bool done = false;
  };

  void run_here_and_wait(const std::function<void()>& work);
  void serve();

  std::mutex mutex_;
  std::condition_variable queued_;    // a job was queued, or the threads are to stop
  std::condition_variable finished_;  // a job is done
  std::deque<Job*> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace transfer
