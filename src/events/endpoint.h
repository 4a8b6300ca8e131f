// A webhook endpoint events are delivered to (the config's events.endpoints).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "events/event.h"

namespace events {

struct Endpoint {
  std::string name;  // unique: names its cursor and its lease in the database
  std::string url;
  std::string secret;  // HMAC key of X-Regmirror-Signature; empty: requests are not signed
  Format format = Format::kCloudEvents;
  std::chrono::milliseconds timeout{10'000};  // per request
  // Which events it is sent (repository patterns, actions); null: every event. Events it is
  // not sent are passed over as if delivered.
  std::function<bool(Action, std::string_view repository)> accepts;
  // It may accept pull events: unless one endpoint does, pulls are not recorded at all (one per
  // manifest GET, they cost the most).
  bool pulls = true;
};

}  // namespace events
