// A webhook endpoint events are delivered to (the config's events.endpoints).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "events/event.h"

namespace events {

enum class Format {
  kCloudEvents,   // one CloudEvents 1.0 structured-mode event per request
  kDistribution,  // distribution's envelope of several events per request
};

struct Endpoint {
  std::string name;  // unique: names its cursor and its lease in the database
  std::string url;
  std::string secret;  // HMAC key of X-Regmirror-Signature; empty: requests are not signed
  Format format = Format::kCloudEvents;
  std::chrono::milliseconds timeout{10'000};  // per request
  // Which events it is sent (repository patterns, actions); null: every event. Events it is
  // not sent are passed over as if delivered.
  std::function<bool(const Event&)> accepts;
};

}  // namespace events
