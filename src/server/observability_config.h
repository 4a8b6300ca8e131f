// The `log:` format and the `metrics:` section of the server config (docs/config.md, "Logs and
// metrics"), with their YAML readers. log.level and log.access stay plain keys of config.cc.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "oci/error.h"

namespace server {

enum class LogFormat {
  kJson,  // every line a JSON object: the access lines and the server's own
  kText,  // one human-readable line each
};

// Who may read GET /metrics.
enum class MetricsAuth {
  kNone,      // anyone
  kSignedIn,  // a caller whose credentials check out (with auth on)
};

struct MetricsConfig {
  bool enabled = true;
  std::string path = "/metrics";
  MetricsAuth auth = MetricsAuth::kNone;
};

oci::Result<void> read_log_format(const YAML::Node& node, const std::string& key, LogFormat& out);
oci::Result<void> read_metrics_auth(const YAML::Node& node, const std::string& key,
                                    MetricsAuth& out);
// An absolute path that no other endpoint answers (not /v2/..., /token, /healthz, nor
// regmirror's own API).
oci::Result<void> read_metrics_path(const YAML::Node& node, const std::string& key,
                                    std::string& out);

}  // namespace server
