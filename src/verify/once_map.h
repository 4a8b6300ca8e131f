// A map of results computed once per key, however many threads ask: the first caller
// computes, the others wait for its answer. Verify uses it so that a blob (or a manifest)
// shared by many images is asked of a source once. An exception from the computation is
// rethrown to its caller and to every caller of the same key (it is not computed again).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>

namespace verify {

template <class Value>
class OnceMap {
 public:
  // The value for `key`, computing it with `compute` when no caller has yet.
  Value get(const std::string& key, const std::function<Value()>& compute) {
    std::promise<Value> promise;
    std::shared_future<Value> future;
    {
      std::lock_guard lock(mutex_);
      if (const auto it = entries_.find(key); it != entries_.end()) {
        future = it->second;
      } else {
        entries_.emplace(key, promise.get_future().share());
      }
    }
    if (future.valid()) return future.get();
    // A throwing compute() must reach the waiters too: an unset promise would hand them a
    // broken_promise, and a waiter on a thread with no handler terminates the process.
    try {
      Value value = compute();
      promise.set_value(value);
      return value;
    } catch (...) {
      promise.set_exception(std::current_exception());
      throw;
    }
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_future<Value>> entries_;
};

}  // namespace verify
