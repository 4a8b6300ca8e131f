#include "events/event.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <array>
#include <ctime>
#include <nlohmann/json.hpp>

namespace events {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<Action, std::string_view>, 6> kActionNames{{
    {Action::kPush, "push"},
    {Action::kPull, "pull"},
    {Action::kDelete, "delete"},
    {Action::kTag, "tag"},
    {Action::kGcDelete, "gc.delete"},
    {Action::kMirrorFetch, "mirror.fetch"},
}};

std::int64_t milliseconds_since_epoch(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

}  // namespace

std::string_view action_name(Action action) {
  for (const auto& [known, name] : kActionNames) {
    if (known == action) return name;
  }
  return "unknown";
}

std::optional<Action> parse_action(std::string_view name) {
  for (const auto& [action, known] : kActionNames) {
    if (known == name) return action;
  }
  return std::nullopt;
}

metadata::OutboxEvent to_outbox(const Event& event) {
  const json payload = {
      {"digest", event.digest},
      {"tag", event.tag},
      {"mediaType", event.media_type},
      {"size", event.size},
      {"user", event.user},
      {"source", event.source},
      {"request",
       {{"id", event.request.id},
        {"addr", event.request.addr},
        {"host", event.request.host},
        {"method", event.request.method},
        {"useragent", event.request.user_agent},
        {"secure", event.request.secure}}},
  };
  return metadata::OutboxEvent{
      .id = event.id,
      .time_ms = milliseconds_since_epoch(event.time),
      .action = std::string(action_name(event.action)),
      .repository = event.repository,
      .payload = payload.dump(),
  };
}

oci::Result<Event> from_outbox(const metadata::OutboxEvent& row) {
  const auto action = parse_action(row.action);
  if (!action) return oci::fail(oci::ErrorCode::kInternal, "unknown event action " + row.action);
  const json payload = json::parse(row.payload, nullptr, false);
  if (!payload.is_object()) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "event " + std::to_string(row.id) + ": payload is not a JSON object");
  }
  const json request = payload.value("request", json::object());
  Event event;
  event.id = row.id;
  event.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(row.time_ms));
  event.action = *action;
  event.repository = row.repository;
  event.digest = payload.value("digest", "");
  event.tag = payload.value("tag", "");
  event.media_type = payload.value("mediaType", "");
  event.size = payload.value("size", std::uint64_t{0});
  event.user = payload.value("user", "");
  event.source = payload.value("source", "");
  event.request = Request{
      .id = request.value("id", ""),
      .addr = request.value("addr", ""),
      .host = request.value("host", ""),
      .method = request.value("method", ""),
      .user_agent = request.value("useragent", ""),
      .secure = request.value("secure", false),
  };
  return event;
}

std::string rfc3339(std::chrono::system_clock::time_point time) {
  const std::int64_t milliseconds = milliseconds_since_epoch(time);
  const std::time_t seconds = static_cast<std::time_t>(milliseconds / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", utc, milliseconds % 1000);
}

}  // namespace events
