// Events of the requests handlers served (events/): built from what the exchange knows of
// its client, emitted once the request succeeded.
#pragma once

#include <string>
#include <string_view>

#include "events/event.h"
#include "server/context.h"
#include "server/exchange.h"

namespace server {

// Whether events are recorded at all (an endpoint is configured): skip building them if not.
inline bool events_enabled(const Context& context) {
  return context.events != nullptr && context.events->enabled();
}

// Whether events of `action` are recorded (an endpoint may be sent them).
inline bool events_recorded(const Context& context, events::Action action) {
  return context.events != nullptr && context.events->records(action);
}

// The event of `action` on `repository` with the client's user, address, Host, method and
// User-Agent filled in.
events::Event request_event(const Exchange& exchange, events::Action action,
                            std::string repository);

// Emits the event without waiting (pulls: one enqueue on the hot path).
void emit_event(Context& context, events::Event event);
// Emits the event and resumes once it is in the outbox, without holding a thread meanwhile:
// pushes, tag moves and deletes are answered only once their event stands.
asio::awaitable<void> emit_event_written(Context& context, events::Event event);

// A manifest reference that is a tag, not a digest (digests hold a ':', tags never do).
inline bool is_tag_reference(std::string_view reference) {
  return reference.find(':') == std::string_view::npos;
}

}  // namespace server
