// One structured (JSON) line per request on the "access" logger.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace server {

struct AccessRecord {
  std::string_view method;
  std::string_view target;
  unsigned status = 0;
  std::uint64_t bytes = 0;
  std::chrono::steady_clock::duration duration{};
  std::string_view remote;
  std::string_view user;  // empty: anonymous or auth off
};

void init_logging(std::string_view level, bool access_log);
void log_access(const AccessRecord& record);

}  // namespace server
