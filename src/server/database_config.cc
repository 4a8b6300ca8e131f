#include "server/database_config.h"

#include <charconv>
#include <string>

#include "metadata/database_options.h"
#include "server/config.h"

namespace server {
namespace {

constexpr std::size_t kMaxPoolSize = 1000;  // beyond any PostgreSQL's max_connections

std::unexpected<oci::Error> config_error(const std::string& message) {
  return oci::fail(oci::ErrorCode::kInternal, "config: " + message);
}

oci::Result<std::string> text(const YAML::Node& value, const std::string& key) {
  if (!value.IsScalar()) return config_error(key + " must be a string");
  return value.Scalar();
}

oci::Result<void> read_url(const YAML::Node& value, std::string& url) {
  auto read = text(value, "database.url");
  if (!read) return std::unexpected(read.error());
  // Never echoed: it may hold a password.
  if (!read->empty() && !metadata::is_postgres_url(*read)) {
    return config_error("database.url must start with postgresql:// or postgres://");
  }
  url = std::move(*read);
  return {};
}

oci::Result<void> read_pool_size(const YAML::Node& value, std::size_t& pool_size) {
  auto read = text(value, "database.pool_size");
  if (!read) return std::unexpected(read.error());
  std::size_t size = 0;
  auto [end, ec] = std::from_chars(read->data(), read->data() + read->size(), size);
  if (ec != std::errc() || end != read->data() + read->size() || size < 1 || size > kMaxPoolSize) {
    return config_error("database.pool_size must be a whole number from 1 to " +
                        std::to_string(kMaxPoolSize) + ", not \"" + *read + "\"");
  }
  pool_size = size;
  return {};
}

oci::Result<void> read_connect_timeout(const YAML::Node& value,
                                       std::chrono::milliseconds& timeout) {
  auto read = text(value, "database.connect_timeout");
  if (!read) return std::unexpected(read.error());
  auto parsed = parse_duration(*read);
  if (!parsed) return config_error("database.connect_timeout: " + parsed.error().message);
  if (parsed->count() == 0) return config_error("database.connect_timeout must not be 0");
  timeout = *parsed;
  return {};
}

}  // namespace

oci::Result<void> read_database_config(const YAML::Node& node, metadata::DatabaseOptions& out) {
  if (!node.IsMap()) return config_error("database must be a mapping");
  for (const auto& field : node) {
    const std::string name = field.first.Scalar();
    oci::Result<void> read;
    if (name == "url") {
      read = read_url(field.second, out.url);
    } else if (name == "pool_size") {
      read = read_pool_size(field.second, out.pool_size);
    } else if (name == "connect_timeout") {
      read = read_connect_timeout(field.second, out.connect_timeout);
    } else {
      read = config_error("unknown key database." + name);
    }
    if (!read) return read;
  }
  return {};
}

}  // namespace server
