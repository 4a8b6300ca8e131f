#include "events/distribution_envelope.h"

#include <nlohmann/json.hpp>

namespace events {
namespace {

nlohmann::json distribution_event(const Event& event) {
  nlohmann::json target = {
      {"mediaType", event.media_type},
      {"size", event.size},
      {"length", event.size},  // distribution still sends its old name for the size
      {"repository", event.repository},
  };
  if (!event.digest.empty()) target["digest"] = event.digest;
  if (!event.tag.empty()) target["tag"] = event.tag;
  if (!event.request.host.empty()) {
    // Where the content is fetched, as the client that caused the event addressed this registry.
    const std::string reference = !event.digest.empty() ? event.digest : event.tag;
    target["url"] = std::string(event.request.secure ? "https://" : "http://") +
                    event.request.host + "/v2/" + event.repository + "/manifests/" + reference;
  }
  return {
      {"id", std::to_string(event.id)},
      {"timestamp", rfc3339(event.time)},
      {"action", action_name(event.action)},
      {"target", std::move(target)},
      {"request",
       {{"id", event.request.id},
        {"addr", event.request.addr},
        {"host", event.request.host},
        {"method", event.request.method},
        {"useragent", event.request.user_agent}}},
      {"actor", {{"name", event.user}}},
      {"source", {{"addr", event.source}, {"instanceID", event.source}}},
  };
}

}  // namespace

std::string distribution_envelope(std::span<const Event> events) {
  nlohmann::json list = nlohmann::json::array();
  for (const Event& event : events) list.push_back(distribution_event(event));
  return nlohmann::json{{"events", std::move(list)}}.dump();
}

}  // namespace events
