#include "events/event.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <array>
#include <ctime>

#include "events/cloudevent.h"
#include "events/distribution_envelope.h"

namespace events {
namespace {

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
  // The rests hold no raw newline (JSON escapes it in strings): one separates them.
  std::string payload = distribution_rest(event);
  payload += '\n';
  payload += cloudevent_rest(event);
  return metadata::OutboxEvent{
      .id = event.id,
      .time_ms = milliseconds_since_epoch(event.time),
      .action = std::string(action_name(event.action)),
      .repository = event.repository,
      .payload = std::move(payload),
  };
}

std::optional<std::string_view> payload_rest(std::string_view payload, Format format) {
  const std::size_t newline = payload.find('\n');
  if (newline == std::string_view::npos || !payload.starts_with(",\"timestamp\":")) {
    return std::nullopt;
  }
  return format == Format::kDistribution ? payload.substr(0, newline) : payload.substr(newline + 1);
}

std::string rfc3339(std::chrono::system_clock::time_point time) {
  const std::int64_t milliseconds = milliseconds_since_epoch(time);
  const std::time_t seconds = static_cast<std::time_t>(milliseconds / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", utc, milliseconds % 1000);
}

}  // namespace events
