// Waiting from a coroutine for a callback that another thread calls (mirror/'s fetch
// progress and results) without blocking the I/O thread: the coroutine resumes on its own
// executor once the callback ran.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "server/http.h"

namespace server {

// Calls `subscribe(wake)` and suspends until `wake()` was called, once, from any thread
// (or from `subscribe` itself).
template <class Subscribe>
asio::awaitable<void> wait_for_callback(Subscribe subscribe) {
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&subscribe](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        subscribe(std::function<void()>([shared] {
          auto executor = asio::get_associated_executor(*shared);
          asio::post(executor, std::move(*shared));
        }));
      },
      asio::use_awaitable);
}

}  // namespace server
