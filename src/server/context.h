// What every handler needs besides the exchange: the registry, and a pool for calls that may
// block on disk (fsync, database writes) so they never stall the threads serving sockets; the
// pull-through mirror, the scheduled sync sets for their status, where events go, and the
// quotas pushes count against.
#pragma once

#include <type_traits>

#include "events/sink.h"
#include "registry/pull_recorder.h"
#include "registry/registry.h"
#include "server/authenticator.h"
#include "server/http.h"
#include "server/observability_config.h"
#include "server/offload.h"
#include "sync/sync_scheduler.h"

namespace mirror {
class PullThrough;
}

namespace server {

class ServerMetrics;
class QuotaLedger;

struct Context {
  registry::Registry& registry;
  asio::thread_pool& blocking;
  Authenticator* authenticator = nullptr;               // null: auth is off
  mirror::PullThrough* mirror = nullptr;                // null: no upstreams, all local
  const imagesync::SyncScheduler* sync_sets = nullptr;  // null: no mirror.sync sets
  const registry::GcOptions* gc = nullptr;              // null: the defaults
  ServerMetrics* metrics = nullptr;                     // null: metrics.enabled is false
  const MetricsConfig* metrics_config = nullptr;        // set with `metrics`
  events::Sink* events = nullptr;                       // null: no events.endpoints
  QuotaLedger* quotas = nullptr;                        // null: no quotas
  registry::PullRecorder* pulls = nullptr;              // null: pulls are not recorded
  bool ui_enabled = true;                               // ui.enabled: the web UI is served
};

// offload(pool, f) with the handlers' pool.
template <class F>
asio::awaitable<std::invoke_result_t<F&>> offload(Context& context, F f) {
  co_return co_await offload(context.blocking, std::move(f));
}

}  // namespace server
