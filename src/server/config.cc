#include "server/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <functional>
#include <map>
#include <type_traits>

#include "server/auth_config.h"
#include "server/database_config.h"
#include "server/storage_config.h"
#include "server/sync_sets_config.h"
#include "sys/small_file.h"

namespace server {
namespace {

using oci::ErrorCode;

// The largest request rate, burst or upload count a limit takes, far above what one server
// serves: a larger value is a mistake.
constexpr double kMaxLimit = 1'000'000;

template <class T>
oci::Result<T> scalar(const YAML::Node& node, const std::string& key) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    return oci::fail(ErrorCode::kInternal, "config: " + key + " has the wrong type");
  }
}

oci::Result<std::chrono::milliseconds> duration(const YAML::Node& node, const std::string& key) {
  auto text = scalar<std::string>(node, key);
  if (!text) return std::unexpected(text.error());
  auto parsed = parse_duration(*text);
  if (!parsed)
    return oci::fail(ErrorCode::kInternal, "config: " + key + ": " + parsed.error().message);
  return parsed;
}

using Setter = std::function<oci::Result<void>(const YAML::Node&, ServerConfig&)>;

template <class T, class Field>
Setter set_scalar(Field field, std::string key) {
  return [field, key = std::move(key)](const YAML::Node& node,
                                       ServerConfig& config) -> oci::Result<void> {
    auto value = scalar<T>(node, key);
    if (!value) return std::unexpected(value.error());
    field(config) = *value;
    return {};
  };
}

// Into a field of seconds or milliseconds; a field of seconds takes whole seconds only.
template <class Field>
Setter set_duration(Field field, std::string key,
                    std::chrono::seconds minimum = std::chrono::seconds(0)) {
  return [field, key = std::move(key), minimum](const YAML::Node& node,
                                                ServerConfig& config) -> oci::Result<void> {
    auto value = duration(node, key);
    if (!value) return std::unexpected(value.error());
    if (*value < minimum) {
      return oci::fail(ErrorCode::kInternal,
                       fmt::format("config: {} must be at least {}s", key, minimum.count()));
    }
    auto& target = field(config);
    using Target = std::remove_reference_t<decltype(target)>;
    if (std::chrono::duration_cast<Target>(*value) != *value) {
      return oci::fail(ErrorCode::kInternal, "config: " + key + " takes whole seconds");
    }
    target = std::chrono::duration_cast<Target>(*value);
    return {};
  };
}

// For the keys a reader of auth_config.h reads.
template <class Field, class Reader>
Setter set_with(Field field, std::string key, Reader reader) {
  return [field, key = std::move(key), reader](const YAML::Node& node,
                                               ServerConfig& config) -> oci::Result<void> {
    return reader(node, key, field(config));
  };
}

// A number from `min` to `max` (a whole one for an integer field). Parsed here rather than
// by yaml-cpp, which reads "-1" as a huge unsigned number and "nan" as a number.
template <class Field>
Setter set_bounded(Field field, std::string key, double min, double max) {
  return [field, key = std::move(key), min, max](const YAML::Node& node,
                                                 ServerConfig& config) -> oci::Result<void> {
    auto& target = field(config);
    using Target = std::remove_reference_t<decltype(target)>;
    constexpr bool kWhole = std::is_integral_v<Target>;
    const std::string text = node.IsScalar() ? node.Scalar() : std::string();
    std::conditional_t<kWhole, unsigned long long, double> value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const bool parsed = ec == std::errc() && end == text.data() + text.size() && !text.empty();
    if (!parsed || !(static_cast<double>(value) >= min && static_cast<double>(value) <= max)) {
      return oci::fail(ErrorCode::kInternal,
                       fmt::format("config: {} must be a {} from {:.0f} to {:.0f}", key,
                                   kWhole ? "whole number" : "number", min, max));
    }
    target = static_cast<Target>(value);
    return {};
  };
}

Setter set_client_auth() {
  return [](const YAML::Node& node, ServerConfig& config) -> oci::Result<void> {
    auto value = scalar<std::string>(node, "tls.client_auth");
    if (!value) return std::unexpected(value.error());
    static const std::map<std::string, ClientAuth, std::less<>> kModes = {
        {"none", ClientAuth::kNone},
        {"optional", ClientAuth::kOptional},
        {"require", ClientAuth::kRequire}};
    auto it = kModes.find(*value);
    if (it == kModes.end()) {
      return oci::fail(
          ErrorCode::kInternal,
          "config: tls.client_auth must be none, optional or require, not \"" + *value + "\"");
    }
    config.tls.client_auth = it->second;
    return {};
  };
}

// Dotted key -> how to apply it. The single list of keys docs/config.md describes.
const std::map<std::string, Setter>& setters() {
  using C = ServerConfig;
  static const std::map<std::string, Setter> table = {
      {"listen", set_scalar<std::string>(
                     [](C & c) -> auto& { return c.listen; }, "listen")},
      {"storage.root", set_scalar<std::string>(
                           [](C & c) -> auto& { return c.storage_root; }, "storage.root")},
      {"log.level", set_scalar<std::string>(
                        [](C & c) -> auto& { return c.log_level; }, "log.level")},
      {"log.access", set_scalar<bool>(
                         [](C & c) -> auto& { return c.access_log; }, "log.access")},
      {"log.format",
       set_with(
           [](C & c) -> auto& { return c.log_format; }, "log.format", read_log_format)},
      {"metrics.enabled", set_scalar<bool>(
                              [](C & c) -> auto& { return c.metrics.enabled; }, "metrics.enabled")},
      {"metrics.path",
       set_with(
           [](C & c) -> auto& { return c.metrics.path; }, "metrics.path", read_metrics_path)},
      {"metrics.auth",
       set_with(
           [](C & c) -> auto& { return c.metrics.auth; }, "metrics.auth", read_metrics_auth)},
      {"http.threads", set_scalar<unsigned>(
                           [](C & c) -> auto& { return c.http.threads; }, "http.threads")},
      {"http.idle_timeout",
       set_duration(
           [](C & c) -> auto& { return c.http.idle_timeout; }, "http.idle_timeout")},
      {"http.read_timeout",
       set_duration(
           [](C & c) -> auto& { return c.http.read_timeout; }, "http.read_timeout")},
      {"http.write_timeout",
       set_duration(
           [](C & c) -> auto& { return c.http.write_timeout; }, "http.write_timeout")},
      {"http.shutdown_timeout",
       set_duration(
           [](C & c) -> auto& { return c.http.shutdown_timeout; }, "http.shutdown_timeout")},
      {"http.max_header_bytes",
       set_scalar<std::size_t>(
           [](C & c) -> auto& { return c.http.max_header_bytes; }, "http.max_header_bytes")},
      {"http.max_connections",
       set_scalar<std::size_t>(
           [](C & c) -> auto& { return c.http.max_connections; }, "http.max_connections")},
      {"tls.cert", set_scalar<std::string>(
                       [](C & c) -> auto& { return c.tls.cert; }, "tls.cert")},
      {"tls.key", set_scalar<std::string>(
                      [](C & c) -> auto& { return c.tls.key; }, "tls.key")},
      {"tls.client_ca", set_scalar<std::string>(
                            [](C & c) -> auto& { return c.tls.client_ca; }, "tls.client_ca")},
      {"tls.client_auth", set_client_auth()},
      {"tls.handshake_timeout",
       set_duration(
           [](C & c) -> auto& { return c.tls.handshake_timeout; }, "tls.handshake_timeout")},
      {"tls.reload_interval",
       set_duration(
           [](C & c) -> auto& { return c.tls.reload_interval; }, "tls.reload_interval")},
      {"limits.max_manifest_bytes",
       set_scalar<std::uint64_t>(
           [](C & c) -> auto& { return c.registry.max_manifest_bytes; },
           "limits.max_manifest_bytes")},
      {"limits.max_blob_bytes",
       set_scalar<std::uint64_t>(
           [](C & c) -> auto& { return c.registry.max_blob_bytes; }, "limits.max_blob_bytes")},
      {"limits.rate.requests_per_second",
       set_bounded(
           [](C & c) -> auto& { return c.limits.rate.requests_per_second; },
           "limits.rate.requests_per_second", 0, kMaxLimit)},
      {"limits.rate.burst",
       set_bounded(
           [](C & c) -> auto& { return c.limits.rate.burst; }, "limits.rate.burst", 1, kMaxLimit)},
      {"auth.failed_logins.burst", set_bounded(
                                       [](C & c) -> auto& { return c.auth.failed_logins.burst; },
                                       "auth.failed_logins.burst", 1, kMaxLimit)},
      {"auth.failed_logins.per_minute",
       set_bounded(
           [](C & c) -> auto& { return c.auth.failed_logins.per_minute; },
           "auth.failed_logins.per_minute", 1, kMaxLimit)},
      {"limits.uploads.per_client", set_bounded(
                                        [](C & c) -> auto& { return c.limits.uploads.per_client; },
                                        "limits.uploads.per_client", 0, kMaxLimit)},
      {"limits.uploads.total", set_bounded(
                                   [](C & c) -> auto& { return c.limits.uploads.total; },
                                   "limits.uploads.total", 0, kMaxLimit)},
      {"uploads.expire_after",
       set_duration(
           [](C & c) -> auto& { return c.registry.upload_expiry; }, "uploads.expire_after")},
      {"uploads.purge_interval",
       set_duration(
           [](C & c) -> auto& { return c.upload_purge_interval; }, "uploads.purge_interval")},
      {"read_only", set_scalar<bool>(
                        [](C & c) -> auto& { return c.registry.read_only; }, "read_only")},
      {"ui.enabled", set_scalar<bool>(
                         [](C & c) -> auto& { return c.ui_enabled; }, "ui.enabled")},
      {"delete.enabled",
       set_scalar<bool>(
           [](C & c) -> auto& { return c.registry.delete_enabled; }, "delete.enabled")},
      {"cache.manifest_bytes",
       set_scalar<std::size_t>(
           [](C & c) -> auto& { return c.registry.manifest_cache_bytes; }, "cache.manifest_bytes")},
      {"cache.metadata_bytes",
       set_scalar<std::size_t>(
           [](C & c) -> auto& { return c.metadata_cache.max_bytes; }, "cache.metadata_bytes")},
      {"cache.metadata_staleness",
       set_duration(
           [](C & c) -> auto& { return c.metadata_cache.max_staleness; },
           "cache.metadata_staleness")},
      {"auth.mode", set_with(
                        [](C & c) -> auto& { return c.auth.mode; }, "auth.mode", read_auth_mode)},
      {"auth.htpasswd", set_scalar<std::string>(
                            [](C & c) -> auto& { return c.auth.htpasswd; }, "auth.htpasswd")},
      {"auth.anonymous_pull",
       set_scalar<bool>(
           [](C & c) -> auto& { return c.auth.anonymous_pull; }, "auth.anonymous_pull")},
      {"auth.groups",
       set_with(
           [](C & c) -> auto& { return c.auth.groups; }, "auth.groups", read_groups)},
      {"auth.access",
       set_with(
           [](C & c) -> auto& { return c.auth.access; }, "auth.access", read_access_rules)},
      {"auth.token.realm",
       set_scalar<std::string>(
           [](C & c) -> auto& { return c.auth.token.realm; }, "auth.token.realm")},
      {"auth.token.service",
       set_scalar<std::string>(
           [](C & c) -> auto& { return c.auth.token.service; }, "auth.token.service")},
      {"auth.token.issuer",
       set_scalar<std::string>(
           [](C & c) -> auto& { return c.auth.token.issuer; }, "auth.token.issuer")},
      {"auth.token.key", set_scalar<std::string>(
                             [](C & c) -> auto& { return c.auth.token.key; }, "auth.token.key")},
      {"auth.token.expiry",
       set_duration(
           [](C & c) -> auto& { return c.auth.token.expiry; }, "auth.token.expiry")},
      {"auth.token.refresh_expiry", set_duration(
                                        [](C & c) -> auto& { return c.auth.token.refresh_expiry; },
                                        "auth.token.refresh_expiry")},
      {"auth.token.trusted_keys", set_with(
                                      [](C & c) -> auto& { return c.auth.token.trusted_keys; },
                                      "auth.token.trusted_keys", read_paths)},
      {"auth.token.trusted_issuer", set_scalar<std::string>(
                                        [](C & c) -> auto& { return c.auth.token.trusted_issuer; },
                                        "auth.token.trusted_issuer")},
      {"storage.s3",
       [](const YAML::Node& node, C& c) { return read_s3_config(node, c.storage_s3); }},
      {"database",
       [](const YAML::Node& node, C& c) { return read_database_config(node, c.database); }},
      {"events", [](const YAML::Node& node, C& c) { return read_events_config(node, c.events); }},
      {"mirror.upstreams",
       set_with(
           [](C & c) -> auto& { return c.mirror.upstreams; }, "mirror.upstreams", read_upstreams)},
      {"mirror.registries_conf",
       set_scalar<std::string>(
           [](C & c) -> auto& { return c.mirror.registries_conf; }, "mirror.registries_conf")},
      {"mirror.blob_workers",
       set_bounded(
           [](C & c) -> auto& { return c.mirror.blob_workers; }, "mirror.blob_workers", 1, 256)},
      {"mirror.fetch_lease",
       // Renewed a few times a lease: shorter, replicas would take over live fetches.
       set_duration(
           [](C & c) -> auto& { return c.mirror.fetch_lease; }, "mirror.fetch_lease",
           std::chrono::seconds(1))},
      {"mirror.sync",
       set_with(
           [](C & c) -> auto& { return c.sync_sets; }, "mirror.sync", read_sync_sets)},
      {"gc", [](const YAML::Node& node, C& c) { return read_gc_config(node, "gc", c.gc); }},
      {"quotas",
       [](const YAML::Node& node, C& c) { return read_quotas(node, "quotas", c.quotas); }},
      {"retention", [](const YAML::Node& node,
                       C& c) { return read_retention_config(node, "retention", c.retention); }},
      {"auth.admins",
       set_with(
           [](C & c) -> auto& { return c.auth.admins; }, "auth.admins", read_admins)},
  };
  return table;
}

oci::Result<void> apply(const YAML::Node& node, const std::string& prefix, ServerConfig& config) {
  if (!node.IsMap()) {
    return oci::fail(ErrorCode::kInternal,
                     "config: " + (prefix.empty() ? std::string("the document") : prefix) +
                         " must be a mapping");
  }
  for (const auto& entry : node) {
    const std::string key = prefix + entry.first.as<std::string>();
    if (auto setter = setters().find(key); setter != setters().end()) {
      if (auto ok = setter->second(entry.second, config); !ok) return ok;
      continue;
    }
    const bool is_section = std::any_of(setters().begin(), setters().end(), [&](const auto& s) {
      return s.first.starts_with(key + ".");
    });
    if (!is_section) return oci::fail(ErrorCode::kInternal, "config: unknown key " + key);
    if (auto ok = apply(entry.second, key + ".", config); !ok) return ok;
  }
  return {};
}

}  // namespace

oci::Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) {
    return oci::fail(ErrorCode::kInternal, "invalid duration \"" + std::string(text) + "\"");
  }
  const std::string_view unit(end, text.data() + text.size());
  // In milliseconds.
  static const std::map<std::string_view, std::uint64_t> kUnits = {
      {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end() || value > 100ULL * 365 * 86'400'000 / it->second) {
    return oci::fail(ErrorCode::kInternal, "invalid duration \"" + std::string(text) + "\"");
  }
  return std::chrono::milliseconds(value * it->second);
}

oci::Result<ListenAddress> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return oci::fail(ErrorCode::kInternal,
                     "listen address needs a port: \"" + std::string(text) + "\"");
  }
  ListenAddress address;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  address.host = std::string(host);
  const std::string_view port = text.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return oci::fail(ErrorCode::kInternal,
                     "invalid port in listen address \"" + std::string(text) + "\"");
  }
  address.port = static_cast<unsigned short>(value);
  return address;
}

oci::Result<void> check_tls_config(const TlsConfig& tls) {
  const auto wrong = [](std::string message) {
    return oci::fail(ErrorCode::kInternal, std::move(message));
  };
  if (!tls.enabled()) {
    if (!tls.key.empty()) return wrong("a TLS key needs its certificate (tls.cert, --tls-cert)");
    if (!tls.client_ca.empty() ||
        tls.client_auth.value_or(ClientAuth::kNone) != ClientAuth::kNone) {
      return wrong(
          "client certificates need TLS: set tls.cert and tls.key (--tls-cert, --tls-key)");
    }
    return {};
  }
  if (tls.key.empty()) return wrong("a TLS certificate needs its key (tls.key, --tls-key)");
  if (tls.client_ca.empty() && tls.effective_client_auth() != ClientAuth::kNone) {
    return wrong(
        "tls.client_auth " +
        std::string(tls.effective_client_auth() == ClientAuth::kRequire ? "require" : "optional") +
        " needs the CAs to verify client certificates with (tls.client_ca, "
        "--tls-client-ca)");
  }
  if (tls.handshake_timeout.count() == 0) return wrong("tls.handshake_timeout must be above 0");
  return {};
}

oci::Result<ServerConfig> parse_server_config(std::string_view text, std::string_view source) {
  ServerConfig config;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) return config;  // an empty file keeps every default
    if (auto ok = apply(root, "", config); !ok) {
      return oci::fail(ErrorCode::kInternal, std::string(source) + ": " + ok.error().message);
    }
    // Replicas sharing a database read each other's writes at once unless told otherwise.
    const YAML::Node cache = root["cache"];
    if (!config.database.url.empty() && !(cache.IsMap() && cache["metadata_staleness"])) {
      config.metadata_cache.max_staleness = std::chrono::milliseconds(0);
    }
  } catch (const YAML::Exception& e) {
    // A syntax error, or a key that is not a string.
    return oci::fail(ErrorCode::kInternal, std::string(source) + ":" +
                                               std::to_string(e.mark.line + 1) + ":" +
                                               std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return config;
}

oci::Result<ServerConfig> load_server_config(const std::filesystem::path& file) {
  auto text = sys::read_small_file(file, kMaxConfigBytes);
  if (!text) {
    return oci::fail(ErrorCode::kInternal,
                     "cannot read config file " + file.string() + ": " + text.error().message);
  }
  return parse_server_config(*text, file.string());
}

}  // namespace server
