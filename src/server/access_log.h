// The server's logging: its own lines and one line per request on the "access" logger, as
// JSON objects or as text (log.format, docs/config.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/observability_config.h"

namespace server {

struct AccessRecord {
  std::chrono::system_clock::time_point time;  // when the request's headers were read
  std::string_view method;
  std::string_view target;
  unsigned status = 0;
  std::uint64_t bytes = 0;
  std::chrono::steady_clock::duration duration{};
  std::string_view remote;
  std::string_view user;        // empty: anonymous or auth off
  std::string_view user_agent;  // empty: none sent
  std::string_view repository;  // empty: the route names none
  std::string_view reference;   // tag or digest, when the route has one
  std::string_view request_id;
};

void init_logging(std::string_view level, bool access_log, LogFormat format = LogFormat::kJson);
// Whether access lines are written (log_access is a no-op otherwise).
bool access_log_enabled();
void log_access(const AccessRecord& record);

// RFC 3339 in UTC with milliseconds: 2026-12-05T09:14:19.123Z.
std::string rfc3339_millis(std::chrono::system_clock::time_point time);
// The access line of `record` in each format, without its line feed.
std::string access_json(const AccessRecord& record);
std::string access_text(const AccessRecord& record);

}  // namespace server
