// The server's configuration: one YAML file (--config), every key with a default, flags
// override it. Every key is documented in docs/config.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "metadata/database_options.h"
#include "metadata/read_cache.h"
#include "oci/error.h"
#include "registry/registry.h"
#include "server/auth_config.h"
#include "server/events_config.h"
#include "server/gc_config.h"
#include "server/mirror_config.h"
#include "server/observability_config.h"
#include "server/quota_config.h"
#include "server/retention_config.h"
#include "storage/s3_options.h"
#include "sync/schedule.h"

namespace server {

struct HttpConfig {
  unsigned threads = 0;                       // 0 = one per core
  std::chrono::seconds idle_timeout{60};      // keep-alive connection waiting for a request
  std::chrono::seconds read_timeout{60};      // no progress while reading a request
  std::chrono::seconds write_timeout{60};     // no progress while writing a response
  std::chrono::seconds shutdown_timeout{30};  // in-flight requests get this long on SIGTERM
  std::size_t max_header_bytes = std::size_t{16} << 10;
  std::size_t max_connections = 10000;
};

// Whether a client must present a certificate signed by tls.client_ca.
enum class ClientAuth {
  kNone,      // none is asked for
  kOptional,  // asked for; a connection without a valid one is served, but names no user
  kRequire,   // a connection without a valid one is refused in the handshake
};

// HTTPS instead of HTTP when `cert` is set.
struct TlsConfig {
  std::filesystem::path cert{};             // PEM: the server certificate, then its intermediates
  std::filesystem::path key{};              // PEM: its private key (unencrypted)
  std::filesystem::path client_ca{};        // PEM: the CAs client certificates must chain to
  std::optional<ClientAuth> client_auth{};  // unset: kRequire with a client_ca, else kNone
  std::chrono::milliseconds handshake_timeout{10'000};
  // How often the files are checked for a change (0 = only on SIGHUP).
  std::chrono::milliseconds reload_interval{5'000};

  bool enabled() const { return !cert.empty(); }
  ClientAuth effective_client_auth() const {
    return client_auth.value_or(client_ca.empty() ? ClientAuth::kNone : ClientAuth::kRequire);
  }
};

// The TLS settings that cannot work together, as one message; nothing when they can.
oci::Result<void> check_tls_config(const TlsConfig& tls);

// Limits per client, which is its IP address as the connection shows it (behind a proxy, the
// proxy's). Over a limit a request gets 429 TOOMANYREQUESTS with Retry-After.
struct RateLimitConfig {
  double requests_per_second = 0;  // 0 = no limit
  double burst = 100;              // requests a client may send at once before the rate applies
};

struct UploadLimitConfig {
  std::size_t per_client = 16;  // upload bodies received at once from one client; 0 = unlimited
  std::size_t total = 128;      // from all clients together; 0 = unlimited
};

struct LimitsConfig {
  RateLimitConfig rate;
  UploadLimitConfig uploads;
};

struct ServerConfig {
  std::string listen = ":5000";
  std::filesystem::path storage_root = "./regmirror-data";
  std::optional<storage::S3Options> storage_s3;  // blobs in a bucket instead of under the root
  metadata::DatabaseOptions database;            // no url: SQLite under the root
  std::string log_level = "info";
  bool access_log = true;
  LogFormat log_format = LogFormat::kJson;
  MetricsConfig metrics;
  HttpConfig http;
  TlsConfig tls;
  LimitsConfig limits;
  registry::Options registry;
  metadata::ReadCacheOptions metadata_cache;
  std::chrono::seconds upload_purge_interval{std::chrono::hours(1)};
  AuthConfig auth;
  MirrorConfig mirror;
  // mirror.sync: sync.yaml sets run into this registry on a schedule (sync_sets_config.h).
  std::vector<imagesync::ScheduledSet> sync_sets;
  GcConfig gc;                // gc: online garbage collection (gc_config.h)
  RetentionConfig retention;  // retention: which tags each repository keeps
  // events: webhooks told of pushes, pulls, deletes, tag moves (events_config.h).
  EventsConfig events;
  // quotas: byte limits per namespace (quota_config.h); none: no limit.
  std::vector<QuotaRule> quotas;
  bool ui_enabled = true;  // ui.enabled: the web UI at / and /ui/ (docs/ui.md)
};

// Reads a YAML file over the defaults. Unknown keys and wrong types are errors that name the
// key, so a typo never silently falls back to a default.
oci::Result<ServerConfig> load_server_config(const std::filesystem::path& file);
// The same from the file's text; `source` names it in errors.
oci::Result<ServerConfig> parse_server_config(std::string_view text, std::string_view source);
inline constexpr std::uint64_t kMaxConfigBytes = std::uint64_t{1} << 20;

// "250ms", "90s", "15m", "24h", "2d" or a number of seconds.
oci::Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// "HOST:PORT", ":PORT" (all interfaces) or "[V6]:PORT".
struct ListenAddress {
  std::string host;  // empty = all interfaces
  unsigned short port = 0;
};
oci::Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace server
