// What every handler needs besides the exchange: the registry, and a pool for calls that may
// block on disk (fsync, database writes) so they never stall the threads serving sockets.
#pragma once

#include <type_traits>

#include "registry/registry.h"

namespace mirror {
class PullThrough;
}
#include "server/authenticator.h"
#include "server/http.h"
#include "server/offload.h"

namespace server {

struct Context {
  registry::Registry& registry;
  asio::thread_pool& blocking;
  Authenticator* authenticator = nullptr;  // null: auth is off
  mirror::PullThrough* mirror = nullptr;   // null: no upstreams, every repository is local
};

// offload(pool, f) with the handlers' pool.
template <class F>
asio::awaitable<std::invoke_result_t<F&>> offload(Context& context, F f) {
  co_return co_await offload(context.blocking, std::move(f));
}

}  // namespace server
