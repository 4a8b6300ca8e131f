#include "server/observability_config.h"

#include "server/route.h"

namespace server {
namespace {

oci::Result<std::string> text(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar())
    return oci::fail(oci::ErrorCode::kInternal, "config: " + key + " must be a string");
  return node.Scalar();
}

}  // namespace

oci::Result<void> read_log_format(const YAML::Node& node, const std::string& key, LogFormat& out) {
  auto value = text(node, key);
  if (!value) return std::unexpected(value.error());
  if (*value == "json") {
    out = LogFormat::kJson;
  } else if (*value == "text") {
    out = LogFormat::kText;
  } else {
    return oci::fail(oci::ErrorCode::kInternal,
                     "config: " + key + " must be json or text, not \"" + *value + "\"");
  }
  return {};
}

oci::Result<void> read_metrics_auth(const YAML::Node& node, const std::string& key,
                                    MetricsAuth& out) {
  auto value = text(node, key);
  if (!value) return std::unexpected(value.error());
  if (*value == "none") {
    out = MetricsAuth::kNone;
  } else if (*value == "signed-in") {
    out = MetricsAuth::kSignedIn;
  } else {
    return oci::fail(oci::ErrorCode::kInternal,
                     "config: " + key + " must be none or signed-in, not \"" + *value + "\"");
  }
  return {};
}

oci::Result<void> read_metrics_path(const YAML::Node& node, const std::string& key,
                                    std::string& out) {
  auto value = text(node, key);
  if (!value) return std::unexpected(value.error());
  const bool plain =
      value->size() > 1 && value->front() == '/' && value->find_first_of("?#") == std::string::npos;
  if (!plain || route(*value).resource != Resource::kNone || value->starts_with("/v2/") ||
      *value == "/v2" || value->starts_with(kApiPrefix)) {
    return oci::fail(
        oci::ErrorCode::kInternal,
        "config: " + key + " must be a path of its own, like /metrics, not \"" + *value + "\"");
  }
  out = *value;
  return {};
}

}  // namespace server
