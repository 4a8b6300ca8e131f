// An event as a CloudEvents 1.0 structured-mode JSON body
// (Content-Type: application/cloudevents+json): one event per request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "events/event.h"

namespace events {

inline constexpr std::string_view kCloudEventContentType = "application/cloudevents+json";

// "io.regmirror.manifest.push", "io.regmirror.tag.update"... (docs/events.md lists them).
std::string cloudevent_type(Action action);
// What follows the event's id in its body (`,"source":...}`), serialized once into the outbox.
std::string cloudevent_rest(const Event& event);
// The body of event `id` from its rest: the id spliced in, nothing parsed.
std::string cloudevent_body(std::int64_t id, std::string_view rest);
std::string cloudevent_body(const Event& event);

}  // namespace events
