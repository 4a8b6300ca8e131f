#include "server/event_hooks.h"

#include "server/callback_wait.h"

namespace server {

events::Event request_event(const Exchange& exchange, events::Action action,
                            std::string repository) {
  events::Event event;
  event.action = action;
  event.repository = std::move(repository);
  event.user = exchange.caller().user;
  event.request = events::Request{
      .addr = exchange.peer().address,
      .host = std::string(exchange.header(http::field::host)),
      .method = std::string(http::to_string(exchange.method())),
      .user_agent = std::string(exchange.header(http::field::user_agent)),
      .secure = exchange.peer().secure,
  };
  return event;
}

void emit_event(Context& context, events::Event event) {
  if (events_enabled(context)) context.events->emit(std::move(event));
}

asio::awaitable<void> emit_event_written(Context& context, events::Event event) {
  if (!events_enabled(context)) co_return;
  co_await wait_for_callback(
      [&](std::function<void()> wake) { context.events->emit(std::move(event), std::move(wake)); });
}

}  // namespace server
