// What every handler needs besides the exchange: the registry, and a pool for calls that may
// block on disk (fsync, database writes) so they never stall the threads serving sockets.
#pragma once

#include <optional>
#include <type_traits>

#include "registry/registry.h"
#include "server/http.h"

namespace server {

struct Context {
  registry::Registry& registry;
  asio::thread_pool& blocking;
};

// Runs `f` on the blocking pool and resumes the caller on its own executor.
template <class F>
asio::awaitable<std::invoke_result_t<F&>> offload(Context& context, F f) {
  using R = std::invoke_result_t<F&>;
  // co_spawn hands a result back only if it is default-constructible; Result<T> may not be.
  std::optional<R> result = co_await asio::co_spawn(
      context.blocking,
      [&f]() -> asio::awaitable<std::optional<R>> { co_return std::optional<R>(f()); },
      asio::use_awaitable);
  co_return std::move(*result);
}

}  // namespace server
