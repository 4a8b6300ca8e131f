// An event as a CloudEvents 1.0 structured-mode JSON body
// (Content-Type: application/cloudevents+json): one event per request.
#pragma once

#include <string>
#include <string_view>

#include "events/event.h"

namespace events {

inline constexpr std::string_view kCloudEventContentType = "application/cloudevents+json";

// "io.regmirror.manifest.push", "io.regmirror.tag.update"... (docs/events.md lists them).
std::string cloudevent_type(Action action);
std::string cloudevent_body(const Event& event);

}  // namespace events
