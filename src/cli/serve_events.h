// `regmirror serve` with events.endpoints: the events service its handlers and pull-through
// emit into.
#pragma once

#include <memory>

#include "events/service.h"
#include "metadata/store.h"
#include "server/events_config.h"

namespace cli {

// Null when no endpoint is configured (then nothing is recorded).
oci::Result<std::unique_ptr<events::Service>> start_events(const server::EventsConfig& config,
                                                           metadata::Store& store);

}  // namespace cli
