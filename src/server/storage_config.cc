#include "server/storage_config.h"

#include <charconv>
#include <filesystem>
#include <map>

#include "server/yaml_values.h"
#include "storage/driver_path.h"

namespace server {
namespace {

constexpr std::string_view kSection = "storage.s3";

std::unexpected<oci::Error> config_error(std::string message) {
  return std::unexpected(oci::Error{oci::ErrorCode::kInternal, "config: " + std::move(message)});
}

// Bytes, or a number with KiB, MiB or GiB.
oci::Result<std::uint64_t> read_size(const YAML::Node& node, const std::string& key) {
  auto text = string_value(node, key);
  if (!text) return std::unexpected(text.error());
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  static const std::map<std::string_view, std::uint64_t> kUnits = {
      {"", 1}, {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}};
  const auto unit = kUnits.find(std::string_view(end, text->data() + text->size()));
  if (error != std::errc() || end == text->data() || unit == kUnits.end() ||
      value > (std::uint64_t{5} << 30) / unit->second) {
    return config_error(key + ": invalid size \"" + *text + "\" (bytes, or a number with KiB, " +
                        "MiB or GiB)");
  }
  return value * unit->second;
}

oci::Result<void> read_field(const std::string& name, const YAML::Node& value,
                             const std::string& key, storage::S3Options& options) {
  static const std::map<std::string, std::string storage::S3Options::*> kStrings = {
      {"endpoint", &storage::S3Options::endpoint},
      {"bucket", &storage::S3Options::bucket},
      {"region", &storage::S3Options::region},
      {"prefix", &storage::S3Options::prefix},
      {"ca_file", &storage::S3Options::ca_file}};
  static const std::map<std::string, std::string storage::sigv4::Credentials::*> kCredentials = {
      {"access_key_id", &storage::sigv4::Credentials::access_key_id},
      {"secret_access_key", &storage::sigv4::Credentials::secret_access_key},
      {"session_token", &storage::sigv4::Credentials::session_token}};
  static const std::map<std::string, bool storage::S3Options::*> kFlags = {
      {"path_style", &storage::S3Options::path_style},
      {"insecure_skip_verify", &storage::S3Options::insecure_skip_verify},
      {"redirect", &storage::S3Options::redirect}};
  if (auto field = kStrings.find(name); field != kStrings.end()) {
    auto text = string_value(value, key);
    if (!text) return std::unexpected(text.error());
    options.*(field->second) = *text;
  } else if (auto credential = kCredentials.find(name); credential != kCredentials.end()) {
    auto text = string_value(value, key);
    if (!text) return std::unexpected(text.error());
    options.credentials.*(credential->second) = *text;
  } else if (auto flag = kFlags.find(name); flag != kFlags.end()) {
    auto on = bool_value(value, key);
    if (!on) return std::unexpected(on.error());
    options.*(flag->second) = *on;
  } else if (name == "part_size") {
    auto size = read_size(value, key);
    if (!size) return std::unexpected(size.error());
    if (*size < storage::kMinimumPartSize) {
      return config_error(key + ": " + std::to_string(*size) +
                          " bytes is below S3's minimum part size of 5 MiB");
    }
    options.part_size = *size;
  } else {
    return config_error("unknown key " + key);
  }
  return {};
}

oci::Result<void> check(const storage::S3Options& options) {
  const std::string section(kSection);
  if (options.bucket.empty()) return config_error(section + ".bucket is required");
  if (!options.endpoint.empty() && !options.endpoint.starts_with("http://") &&
      !options.endpoint.starts_with("https://")) {
    return config_error(section + ".endpoint: \"" + options.endpoint +
                        "\" is not an http:// or https:// URL");
  }
  if (!options.prefix.empty()) {
    std::string_view prefix = options.prefix;
    if (prefix.ends_with('/')) prefix.remove_suffix(1);
    if (!storage::check_path(prefix)) {
      return config_error(section + ".prefix: \"" + options.prefix +
                          "\" is not a '/'-separated path of [A-Za-z0-9._-] names");
    }
  }
  if (!options.ca_file.empty() && !std::filesystem::is_regular_file(options.ca_file)) {
    return config_error(section + ".ca_file: no file at " + options.ca_file);
  }
  if (options.credentials.access_key_id.empty() != options.credentials.secret_access_key.empty()) {
    return config_error(section +
                        ".access_key_id and .secret_access_key: give both or neither (neither "
                        "sends unsigned requests)");
  }
  return {};
}

}  // namespace

oci::Result<void> read_s3_config(const YAML::Node& node, std::optional<storage::S3Options>& out) {
  const std::string section(kSection);
  if (!node.IsMap()) return config_error(section + " must be a mapping");
  storage::S3Options options;
  for (const auto& field : node) {
    const std::string name = field.first.Scalar();
    std::string key = section;
    key.append(".").append(name);
    if (auto ok = read_field(name, field.second, key, options); !ok) return ok;
  }
  storage::apply_aws_environment(options);
  if (auto ok = check(options); !ok) return ok;
  out = std::move(options);
  return {};
}

}  // namespace server
