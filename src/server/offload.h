// Work that may block (database, fsync, statvfs, hashing stored bytes, reading an object
// store) runs on the blocking pool, never on a thread that serves connections.
#pragma once

#include <optional>
#include <type_traits>

#include "server/http.h"

namespace server {

// Runs `f` on the blocking pool and resumes the caller on its own executor.
template <class F>
asio::awaitable<std::invoke_result_t<F&>> offload(asio::thread_pool& blocking, F f) {
  using R = std::invoke_result_t<F&>;
  // co_spawn hands a result back only if it is default-constructible; Result<T> may not be.
  std::optional<R> result = co_await asio::co_spawn(
      blocking, [&f]() -> asio::awaitable<std::optional<R>> { co_return std::optional<R>(f()); },
      asio::use_awaitable);
  co_return std::move(*result);
}

}  // namespace server
