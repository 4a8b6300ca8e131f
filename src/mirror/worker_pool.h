// A fixed set of threads that run queued jobs: upstream fetches wait on the network, so they
// get threads of their own and never hold the server's blocking pool or its I/O threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mirror {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool() { stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Jobs posted after stop() are dropped.
  void post(std::function<void()> job);
  // Drops the jobs not started and waits for the running ones.
  void stop();

 private:
  void work();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::jthread> threads_;  // last: started once the rest is ready
};

}  // namespace mirror
