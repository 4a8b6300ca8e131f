#include "server/access_log.h"

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <nlohmann/json.hpp>

namespace server {
namespace {

struct AccessLogger {
  std::shared_ptr<spdlog::logger> logger;
  LogFormat format = LogFormat::kJson;
};

AccessLogger& access_logger() {
  static AccessLogger logger;
  return logger;
}

// A JSON string of `text`, invalid UTF-8 replaced: whatever a client sent stays one value.
std::string json_string(std::string_view text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A field of a text line: a client's bytes cannot end the line or fake another field.
std::string text_field(std::string_view text) {
  if (text.empty()) return "-";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// The message of a server log line as a JSON string, for the json format's pattern.
class JsonMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string quoted =
        json_string(std::string_view(message.payload.data(), message.payload.size()));
    dest.append(quoted.data(), quoted.data() + quoted.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessage>();
  }
};

}  // namespace

std::string rfc3339_millis(std::chrono::system_clock::time_point time) {
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     millis % 1000);
}

void init_logging(std::string_view level, bool access_log, LogFormat format) {
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
  if (format == LogFormat::kJson) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonMessage>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":%*})");
    spdlog::set_formatter(std::move(formatter));
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  AccessLogger& access = access_logger();
  access.format = format;
  access.logger.reset();
  if (access_log) {
    access.logger = std::make_shared<spdlog::logger>(
        "access", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    access.logger->set_pattern("%v");
  }
}

bool access_log_enabled() { return access_logger().logger != nullptr; }

std::string access_json(const AccessRecord& record) {
  const double ms = std::chrono::duration<double, std::milli>(record.duration).count();
  return fmt::format(
      R"({{"time":"{}","method":"{}","path":{},"status":{},"bytes":{},"ms":{:.3f},"remote":"{}",)"
      R"("user":{},"user_agent":{},"repository":{},"reference":{},"request_id":{}}})",
      rfc3339_millis(record.time), record.method, json_string(record.target), record.status,
      record.bytes, ms, record.remote, json_string(record.user), json_string(record.user_agent),
      json_string(record.repository), json_string(record.reference),
      json_string(record.request_id));
}

std::string access_text(const AccessRecord& record) {
  const double ms = std::chrono::duration<double, std::milli>(record.duration).count();
  return fmt::format(R"({} access {} {} "{} {}" {} {} {:.3f}ms "{}" {})",
                     rfc3339_millis(record.time), record.remote, text_field(record.user),
                     record.method, text_field(record.target), record.status, record.bytes, ms,
                     text_field(record.user_agent), text_field(record.request_id));
}

void log_access(const AccessRecord& record) {
  const AccessLogger& access = access_logger();
  if (!access.logger) return;
  access.logger->info(access.format == LogFormat::kJson ? access_json(record)
                                                        : access_text(record));
}

}  // namespace server
