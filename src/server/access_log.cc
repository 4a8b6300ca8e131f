#include "server/access_log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace server {
namespace {

std::shared_ptr<spdlog::logger>& access_logger() {
  static std::shared_ptr<spdlog::logger> logger;
  return logger;
}

}  // namespace

void init_logging(std::string_view level, bool access_log) {
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  if (access_log) {
    auto logger = std::make_shared<spdlog::logger>(
        "access", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    logger->set_pattern("%v");
    access_logger() = std::move(logger);
  }
}

void log_access(const AccessRecord& record) {
  auto& logger = access_logger();
  if (!logger) return;
  const double ms = std::chrono::duration<double, std::milli>(record.duration).count();
  // dump() escapes whatever a client put in the target.
  logger->info(
      R"({{"method":"{}","path":{},"status":{},"bytes":{},"ms":{:.3f},"remote":"{}","user":{}}})",
      record.method,
      nlohmann::json(record.target).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      record.status, record.bytes, ms, record.remote,
      nlohmann::json(record.user).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace server
