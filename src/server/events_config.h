// The `events:` section of the server config: the webhook endpoints events are delivered to
// and how long delivered events are kept (docs/config.md, docs/events.md).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "auth/repository_pattern.h"
#include "events/endpoint.h"
#include "oci/error.h"

namespace YAML {
class Node;
}

namespace server {

struct EventsEndpointConfig {
  std::string name;
  std::string url;
  std::string secret;  // from `secret`, or read from `secret_file`
  events::Format format = events::Format::kCloudEvents;
  std::chrono::milliseconds timeout{10'000};
  std::vector<auth::RepositoryPattern> include;  // empty: every repository
  std::vector<auth::RepositoryPattern> exclude;
  // Empty: every action but pull (a pull event per manifest GET costs the most: opt-in).
  std::vector<events::Action> actions;
};

struct EventsConfig {
  std::vector<EventsEndpointConfig> endpoints;
  std::chrono::milliseconds retention{std::chrono::hours(24 * 7)};

  bool enabled() const { return !endpoints.empty(); }
};

// The mapping under `events`: `endpoints` (a list of mappings with `name` and `url` required,
// `secret` or `secret_file`, `format` "cloudevents" (default) or "distribution", `timeout`,
// `include`/`exclude` repository patterns, `actions`: every one but `pull` unless listed) and
// `retention`.
oci::Result<void> read_events_config(const YAML::Node& node, EventsConfig& out);

// Each endpoint as events/ delivers to it, its filters made one predicate.
std::vector<events::Endpoint> event_endpoints(const EventsConfig& config);

}  // namespace server
