#include "events/distribution_envelope.h"

#include <fmt/format.h>

#include <vector>

#include "events/json_text.h"

namespace events {

std::string distribution_rest(const Event& event) {
  std::string out;
  out.reserve(640);
  append_json_member(out, "timestamp", rfc3339(event.time));
  append_json_member(out, "action", action_name(event.action));
  out += ",\"target\":{\"mediaType\":";
  append_json_string(out, event.media_type);
  // distribution still sends its old name for the size, "length"
  fmt::format_to(std::back_inserter(out), R"(,"size":{0},"length":{0})", event.size);
  append_json_member(out, "repository", event.repository);
  if (!event.digest.empty()) append_json_member(out, "digest", event.digest);
  if (!event.tag.empty()) append_json_member(out, "tag", event.tag);
  if (!event.request.host.empty()) {
    // Where the content is fetched, as the client that caused the event addressed this registry.
    const std::string& reference = !event.digest.empty() ? event.digest : event.tag;
    append_json_member(out, "url",
                       std::string(event.request.secure ? "https://" : "http://") +
                           event.request.host + "/v2/" + event.repository + "/manifests/" +
                           reference);
  }
  out += "},\"request\":{\"id\":";
  append_json_string(out, event.request.id);
  append_json_member(out, "addr", event.request.addr);
  append_json_member(out, "host", event.request.host);
  append_json_member(out, "method", event.request.method);
  append_json_member(out, "useragent", event.request.user_agent);
  out += "},\"actor\":{\"name\":";
  append_json_string(out, event.user);
  out += "},\"source\":{\"addr\":";
  append_json_string(out, event.source);
  append_json_member(out, "instanceID", event.source);
  out += "}}";
  return out;
}

std::string distribution_envelope(std::span<const SerializedEvent> events) {
  std::size_t size = 16;
  for (const SerializedEvent& event : events) size += event.rest.size() + 32;
  std::string out;
  out.reserve(size);
  out += "{\"events\":[";
  for (const SerializedEvent& event : events) {
    if (out.back() != '[') out += ',';
    fmt::format_to(std::back_inserter(out), R"({{"id":"{}"{})", event.id, event.rest);
  }
  out += "]}";
  return out;
}

std::string distribution_envelope(std::span<const Event> events) {
  std::vector<std::string> rests;
  std::vector<SerializedEvent> stored;
  rests.reserve(events.size());
  for (const Event& event : events) rests.push_back(distribution_rest(event));
  for (std::size_t i = 0; i < events.size(); ++i) stored.push_back({events[i].id, rests[i]});
  return distribution_envelope(stored);
}

}  // namespace events
