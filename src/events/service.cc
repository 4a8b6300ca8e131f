#include "events/service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace events {
namespace {

// How often delivered events past the retention are looked for.
constexpr std::chrono::minutes kRemovalInterval{10};
// Renewed every third of it: a database write that often per endpoint at most.
constexpr std::chrono::milliseconds kShortestLease{5000};

}  // namespace

oci::Result<std::unique_ptr<Service>> Service::start(metadata::Store& store,
                                                     ServiceOptions options) {
  for (const Endpoint& endpoint : options.endpoints) {
    if (auto cursor = store.event_cursor(endpoint.name); !cursor) {
      return oci::fail(oci::ErrorCode::kInternal,
                       "events: endpoint " + endpoint.name + ": " + cursor.error().message);
    }
  }
  return std::unique_ptr<Service>(new Service(store, std::move(options)));
}

Service::Service(metadata::Store& store, ServiceOptions options)
    : store_(store), options_(std::move(options)) {
  const bool pulls = std::any_of(options_.endpoints.begin(), options_.endpoints.end(),
                                 [](const Endpoint& endpoint) { return endpoint.pulls; });
  writer_ = std::make_unique<OutboxWriter>(
      store_, OutboxWriterOptions{.source = options_.source, .pulls = pulls},
      [this] { doorbell_.ring(); });
  for (const Endpoint& endpoint : options_.endpoints) {
    DeliveryOptions delivery;
    delivery.holder = options_.holder;
    // A request in flight must end within a third of the lease (deliverer.cc renews it then);
    // no longer than that, since after a crash delivery resumes only once the lease lapsed.
    delivery.lease_ttl = std::max<std::chrono::milliseconds>(
        kShortestLease, endpoint.timeout * 3 + std::chrono::seconds(1));
    deliverers_.push_back(std::make_unique<Deliverer>(store_, endpoint, delivery, doorbell_));
  }
  janitor_ = std::jthread([this](const std::stop_token& stop) { remove_old_events(stop); });
}

Service::~Service() {
  janitor_.request_stop();
  if (janitor_.joinable()) janitor_.join();
  writer_->stop();  // before the deliverers stop: what it writes now is delivered next time
  deliverers_.clear();
}

void Service::remove_old_events(const std::stop_token& stop) {
  std::vector<std::string> names;
  names.reserve(options_.endpoints.size());
  for (const Endpoint& endpoint : options_.endpoints) names.push_back(endpoint.name);
  std::mutex mutex;
  std::condition_variable_any never;
  while (!stop.stop_requested()) {
    const auto before = std::chrono::system_clock::now() - options_.retention;
    const std::int64_t before_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(before.time_since_epoch()).count();
    if (auto removed = store_.delete_delivered_events(before_ms, names); !removed) {
      spdlog::warn("events: removing delivered events: {}", removed.error().message);
    } else if (*removed > 0) {
      spdlog::info("events: removed {} delivered events older than the retention", *removed);
    }
    std::unique_lock lock(mutex);
    never.wait_for(lock, stop, kRemovalInterval, [] { return false; });
  }
}

}  // namespace events
