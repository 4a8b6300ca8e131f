// The HTTP front: accepts connections, runs one session per connection on one of a thread per
// core (each thread with its own io_context), and shuts down gracefully on SIGINT/SIGTERM.
// SIGHUP reloads the TLS certificate and what can be reloaded of the config file
// (config_reloader.h). Started by systemd with Type=notify, tells it when it is ready,
// reloading and stopping (sys/sd_notify.h).
#pragma once

#include "events/sink.h"
#include "oci/error.h"
#include "registry/pull_recorder.h"
#include "registry/registry.h"
#include "server/authenticator.h"
#include "server/config.h"
#include "server/config_reloader.h"
#include "server/stream.h"
#include "sync/sync_scheduler.h"

namespace mirror {
class PullThrough;
}

namespace server {

class QuotaLedger;

// What `serve` offers besides the registry, each null when not configured.
struct Extensions {
  // Pull-through: the repositories inside its upstreams' namespaces.
  mirror::PullThrough* mirror = nullptr;
  // The scheduled sync sets, for GET /regmirror/v1/sync.
  const imagesync::SyncScheduler* sync_sets = nullptr;
  // Events of pushes, pulls, deletes and tag moves (events.endpoints).
  events::Sink* events = nullptr;
  // Byte limits per namespace (quotas), usage already read from the store.
  QuotaLedger* quotas = nullptr;

  // When each manifest was last pulled, for retention's keep_pulled_within.
  registry::PullRecorder* pulls = nullptr;
};

// Serves until SIGINT or SIGTERM, then lets in-flight requests finish (up to
// http.shutdown_timeout) and returns. With an authenticator, requests are admitted by it and
// its htpasswd file is re-read when it changes. HTTPS with `tls` (from load_tls_context,
// reloaded from config.tls's files on SIGHUP and when they change), plain HTTP when it is null.
// `extensions` add what is configured besides the registry itself. SIGHUP reads `source`
// again.
oci::Result<void> serve(const ServerConfig& config, registry::Registry& registry,
                        Authenticator* authenticator, std::shared_ptr<TlsContext> tls,
                        Extensions extensions = {}, ConfigSource source = {});

}  // namespace server
