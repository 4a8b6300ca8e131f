#include "cli/serve_command.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "cli/serve_events.h"
#include "cli/serve_gc.h"
#include "cli/serve_pull_through.h"
#include "cli/serve_sync_sets.h"
#include "metadata/open_store.h"
#include "metrics/registry.h"
#include "registry/pull_recorder.h"
#include "registry/registry.h"
#include "server/access_log.h"
#include "server/config.h"
#include "server/quota_ledger.h"
#include "server/server.h"
#include "server/tls_context.h"
#include "storage/open_driver.h"
#include "sys/small_file.h"

namespace cli {
namespace {

constexpr int kStopped = 0;  // by SIGTERM or SIGINT
constexpr int kFailed = 1;
// Shares 2 with usage errors (cli/usage_error.h): the server never started.
constexpr int kBadConfiguration = 2;
// How often the manifest pulls noted in memory are written (retention's keep_pulled_within).
constexpr std::chrono::seconds kPullWriteInterval{5};

struct ServeFlags {
  std::string config_file;
  std::optional<std::string> listen;
  std::optional<std::string> storage;
  std::optional<std::string> log_level;
  std::optional<unsigned> threads;
  std::optional<std::uint64_t> max_manifest_bytes;
  std::optional<std::uint64_t> max_blob_bytes;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::optional<std::string> tls_client_ca;
  bool read_only = false;
  bool no_access_log = false;
  std::optional<std::string> htpasswd;
  bool anonymous_pull = false;
  std::optional<std::string> auth_mode;
  std::vector<std::string> upstreams;
};

// The flags over the config file's values (or the defaults): at start, and again at each
// SIGHUP so that a flag keeps winning over the file.
oci::Result<void> apply_flags(const ServeFlags& flags, server::ServerConfig& config) {
  if (flags.listen) config.listen = *flags.listen;
  if (flags.storage) config.storage_root = *flags.storage;
  if (flags.log_level) config.log_level = *flags.log_level;
  if (flags.threads) config.http.threads = *flags.threads;
  if (flags.max_manifest_bytes) config.registry.max_manifest_bytes = *flags.max_manifest_bytes;
  if (flags.max_blob_bytes) config.registry.max_blob_bytes = *flags.max_blob_bytes;
  if (flags.read_only) config.registry.read_only = true;
  if (flags.no_access_log) config.access_log = false;
  if (flags.tls_cert) config.tls.cert = *flags.tls_cert;
  if (flags.tls_key) config.tls.key = *flags.tls_key;
  if (flags.tls_client_ca) config.tls.client_ca = *flags.tls_client_ca;
  if (flags.htpasswd) config.auth.htpasswd = *flags.htpasswd;
  if (flags.anonymous_pull) config.auth.anonymous_pull = true;
  for (const std::string& value : flags.upstreams) {
    auto upstream = mirror::parse_upstream_flag(value);
    if (!upstream) return std::unexpected(upstream.error());
    config.mirror.upstreams.push_back(std::move(*upstream));
  }
  if (flags.auth_mode) {
    config.auth.mode =
        *flags.auth_mode == "basic" ? server::AuthMode::kBasic : server::AuthMode::kToken;
  }
  return {};
}

int run_serve(const ServeFlags& flags) {
  server::ServerConfig config;
  server::ConfigSource source{
      .file = flags.config_file,
      .text = {},
      .apply_flags =
          [flags](server::ServerConfig& reloaded) { return apply_flags(flags, reloaded); },
  };
  if (!flags.config_file.empty()) {
    auto text = sys::read_small_file(flags.config_file, server::kMaxConfigBytes);
    if (!text) {
      fmt::print(stderr, "regmirror serve: cannot read config file {}: {}\n", flags.config_file,
                 text.error().message);
      return kBadConfiguration;
    }
    auto parsed = server::parse_server_config(*text, flags.config_file);
    if (!parsed) {
      fmt::print(stderr, "regmirror serve: {}\n", parsed.error().message);
      return kBadConfiguration;
    }
    config = std::move(*parsed);
    source.text = std::move(*text);
  }
  if (auto applied = apply_flags(flags, config); !applied) {
    fmt::print(stderr, "regmirror serve: {}\n", applied.error().message);
    return kBadConfiguration;
  }
  server::init_logging(config.log_level, config.access_log, config.log_format);

  std::shared_ptr<server::TlsContext> tls;
  if (auto checked = server::check_tls_config(config.tls); !checked) {
    fmt::print(stderr, "regmirror serve: {}\n", checked.error().message);
    return kBadConfiguration;
  }
  if (config.tls.enabled()) {
    auto loaded = server::load_tls_context(config.tls);
    if (!loaded) {
      fmt::print(stderr, "regmirror serve: {}\n", loaded.error().message);
      return kBadConfiguration;
    }
    tls = std::move(*loaded);
  }

  std::error_code ec;
  std::filesystem::create_directories(config.storage_root, ec);
  if (ec) {
    fmt::print(stderr, "regmirror serve: cannot create {}: {}\n", config.storage_root.string(),
               ec.message());
    return kFailed;
  }
  auto driver = storage::open_driver({.root = config.storage_root,
                                      .s3 = config.storage_s3,
                                      .spool = config.storage_root / "spool"});
  if (!driver) {
    fmt::print(stderr, "regmirror serve: {}\n", driver.error().message);
    return kFailed;
  }
  auto store = metadata::open_store(config.database, config.storage_root, config.metadata_cache);
  if (!store) {
    fmt::print(stderr, "regmirror serve: {}\n", store.error().message);
    return kFailed;
  }
  std::unique_ptr<server::Authenticator> authenticator;
  if (config.auth.enabled()) {
    // Replicas sharing a database share the signing key it keeps, unless the config names one.
    auto made = server::Authenticator::make(config.auth, config.storage_root,
                                            (*store)->shared() ? store->get() : nullptr);
    if (!made) {
      fmt::print(stderr, "regmirror serve: {}\n", made.error().message);
      return kBadConfiguration;
    }
    authenticator = std::move(*made);
  } else if (config.auth.anonymous_pull) {
    fmt::print(stderr,
               "regmirror serve: --anonymous-pull needs users (--htpasswd) or access rules\n");
    return kBadConfiguration;
  }
  // Before anything may emit: each endpoint's cursor is placed before the first event.
  auto event_service = start_events(config.events, **store);
  if (!event_service) {
    fmt::print(stderr, "regmirror serve: {}\n", event_service.error().message);
    return kFailed;
  }
  registry::Registry registry(**driver, **store, config.registry);
  if (auto purged = registry.purge_stale_uploads(); purged && *purged > 0) {
    spdlog::info("purged {} stale uploads", *purged);
  }
  events::Sink* event_sink = *event_service ? &(*event_service)->sink() : nullptr;
  auto pull_through = ServePullThrough::start(config.mirror, registry, **store,
                                              config.storage_root / "spool", event_sink);
  if (!pull_through) {
    fmt::print(stderr, "regmirror serve: {}\n", pull_through.error().message);
    return kBadConfiguration;
  }
  std::unique_ptr<ServeSyncSets> sync_sets;
  if (!config.sync_sets.empty()) {
    auto started = ServeSyncSets::start(config.sync_sets, registry);
    if (!started) {
      fmt::print(stderr, "regmirror serve: {}\n", started.error().message);
      return kBadConfiguration;
    }
    sync_sets = std::move(*started);
  }
  std::unique_ptr<server::QuotaLedger> quotas;
  if (!config.quotas.empty()) {
    quotas = std::make_unique<server::QuotaLedger>(
        config.quotas, server::quota_lookups(registry),
        config.metrics.enabled ? &metrics::default_registry() : nullptr);
    if (auto read = quotas->correct(); !read) {
      fmt::print(stderr, "regmirror serve: reading quota usage: {}\n", read.error().message);
      return kFailed;
    }
  }
  // Written every few seconds, and once more when it goes at the end of this scope.
  registry::PullRecorder pulls(**store, kPullWriteInterval);
  std::optional<ServeGc> gc;
  if (config.gc.schedule) {
    registry::GcOptions gc_options = server::gc_options(config.gc, config.mirror.upstreams);
    gc_options.retention = config.retention.rules;  // applied first by every run
    gc_options.pulls = &pulls;
    std::function<void()> after_run;
    if (quotas) {
      after_run = [&quotas] {
        if (auto read = quotas->correct(); !read) {
          spdlog::warn("reading quota usage: {}", read.error().message);
        }
      };
    }
    gc.emplace(*config.gc.schedule, std::move(gc_options), registry, event_sink,
               std::move(after_run));
  }
  server::Extensions extensions;
  if (*pull_through) extensions.mirror = &(*pull_through)->pull_through();
  if (sync_sets) extensions.sync_sets = &sync_sets->scheduler();
  extensions.events = event_sink;
  extensions.quotas = quotas.get();
  extensions.pulls = &pulls;
  auto served = server::serve(config, registry, authenticator.get(), std::move(tls), extensions,
                              std::move(source));
  sync_sets.reset();  // running sets stop before the registry goes
  gc.reset();
  pull_through->reset();   // its fetch workers emit events
  event_service->reset();  // what is queued is written to the outbox before it stops
  if (!served) {
    fmt::print(stderr, "regmirror serve: {}\n", served.error().message);
    return kFailed;
  }
  return kStopped;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  auto* serve = app.add_subcommand("serve", "Run the registry (OCI distribution-spec v1.1)");
  serve->footer(
      "Examples:\n"
      "  regmirror serve                                  # :5000, ./regmirror-data\n"
      "  regmirror serve --listen 127.0.0.1:5001 --storage /var/lib/regmirror\n"
      "  regmirror serve --config /etc/regmirror/config.yaml --read-only\n"
      "  regmirror serve --listen :8443 --tls-cert server.crt --tls-key server.key\n"
      "  regmirror serve --htpasswd /etc/regmirror/htpasswd --anonymous-pull\n"
      "SIGHUP reloads the TLS certificate and key (so does a change of their files), and the\n"
      "config file's log level and access rules (docs/config.md: \"What SIGHUP reloads\").\n"
      "Started by systemd (Type=notify), it tells systemd when it is ready.\n"
      "Exit status: 0 stopped by SIGTERM/SIGINT, 1 could not start or failed, 2 usage error\n"
      "or unusable --config file or TLS files.\n"
      "Every config key: docs/config.md");
  serve->add_option("-c,--config", flags->config_file, "YAML configuration file")
      ->check(CLI::ExistingFile);
  serve->add_option("--listen", flags->listen, "HOST:PORT to listen on (default :5000)");
  serve->add_option("--storage", flags->storage, "storage root (default ./regmirror-data)");
  serve->add_option("--log-level", flags->log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  serve->add_option("--threads", flags->threads, "HTTP threads (default: one per core)");
  serve->add_option("--max-manifest-bytes", flags->max_manifest_bytes,
                    "largest manifest accepted (default 4194304)");
  serve->add_option("--max-blob-bytes", flags->max_blob_bytes,
                    "largest blob accepted, 0 = unlimited (default 0)");
  serve->add_option("--tls-cert", flags->tls_cert,
                    "serve HTTPS with this PEM certificate (then its intermediates)");
  serve->add_option("--tls-key", flags->tls_key, "the PEM private key of --tls-cert");
  serve->add_option("--tls-client-ca", flags->tls_client_ca,
                    "PEM CAs for client certificates; their CN names the user "
                    "(tls.client_auth: require by default)");
  serve->add_flag("--read-only", flags->read_only, "refuse pushes and deletes");
  serve->add_flag("--no-access-log", flags->no_access_log, "do not log one line per request");
  serve
      ->add_option("--htpasswd", flags->htpasswd,
                   "users (bcrypt htpasswd file, see 'regmirror passwd'); turns auth on")
      ->check(CLI::ExistingFile);
  serve->add_flag("--anonymous-pull", flags->anonymous_pull,
                  "with auth on, let requests without credentials pull every repository");
  serve
      ->add_option("--auth-mode", flags->auth_mode,
                   "token (Bearer tokens from /token, the default) or basic")
      ->check(CLI::IsMember({"token", "basic"}));
  serve->add_option("--upstream", flags->upstreams,
                    "[PREFIX=]URL: pull through from this registry (repeatable); with PREFIX its "
                    "repositories are served under /v2/PREFIX/, without it as they are named");
  serve->callback([flags] { throw CLI::RuntimeError(run_serve(*flags)); });
}

}  // namespace cli
