// Events as distribution's (Docker registry's) notification envelope
// (Content-Type: application/vnd.docker.distribution.events.v1+json): several events per
// request, in the fields its receivers read.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "events/event.h"

namespace events {

inline constexpr std::string_view kDistributionContentType =
    "application/vnd.docker.distribution.events.v1+json";

// What follows the event's id in its JSON object (`,"timestamp":...}`), serialized once into
// the outbox.
std::string distribution_rest(const Event& event);

// The envelope of the events: their ids spliced in, nothing parsed.
std::string distribution_envelope(std::span<const SerializedEvent> events);
std::string distribution_envelope(std::span<const Event> events);

}  // namespace events
