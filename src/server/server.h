// The HTTP front: accepts connections, runs one session per connection on one of a thread per
// core (each thread with its own io_context), and shuts down gracefully on SIGINT/SIGTERM.
// SIGHUP reloads the TLS certificate.
#pragma once

#include "oci/error.h"
#include "registry/registry.h"
#include "server/authenticator.h"
#include "server/config.h"
#include "server/stream.h"
#include "sync/sync_scheduler.h"

namespace server {

// Serves until SIGINT or SIGTERM, then lets in-flight requests finish (up to
// http.shutdown_timeout) and returns. With an authenticator, requests are admitted by it and
// its htpasswd file is re-read when it changes. HTTPS with `tls` (from load_tls_context,
// reloaded from config.tls's files on SIGHUP and when they change), plain HTTP when it is null.
// `sync_sets`, when there are scheduled sync sets, answers GET /regmirror/v1/sync.
oci::Result<void> serve(const ServerConfig& config, registry::Registry& registry,
                        Authenticator* authenticator, std::shared_ptr<TlsContext> tls,
                        const imagesync::SyncScheduler* sync_sets = nullptr);

}  // namespace server
