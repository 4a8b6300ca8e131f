// Delivers the outbox to one endpoint, on a thread of its own: reads the events after the
// endpoint's cursor in id order, POSTs them (signed), and moves the cursor past them only once
// the endpoint answered 2xx. A failure (no connection, timeout, another status) is retried
// after a growing delay (backoff.h), the cursor staying put: delivery is at least once and in
// order. Among processes sharing the database, the holder of the lease
// "regmirror:events:<endpoint>" delivers; the others wait for it to lapse.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "events/backoff.h"
#include "events/doorbell.h"
#include "events/endpoint.h"
#include "events/webhook_post.h"
#include "metadata/store.h"

namespace events {

struct DeliveryOptions {
  std::string holder;                           // unique per process (lease holder)
  std::chrono::milliseconds poll{1000};         // looks at the outbox this often when idle
  std::chrono::milliseconds lease_ttl{30'000};  // more than three times the endpoint's timeout
  std::size_t batch = 100;                      // events read at once; per envelope at most
  Backoff backoff;
};

class Deliverer {
 public:
  Deliverer(metadata::Store& store, Endpoint endpoint, DeliveryOptions options, Doorbell& doorbell);
  // Stops: a request in flight is abandoned (its events are sent again later).
  ~Deliverer();
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

 private:
  void run(const std::stop_token& stop);
  // One step: false when there was nothing to do and the caller should wait.
  bool deliver_next(const std::stop_token& stop);
  bool hold_lease(const std::stop_token& stop);
  // POSTs the events; an error says why they were not accepted.
  oci::Result<void> send(std::span<const SerializedEvent> events, const std::stop_token& stop);
  void failed(std::int64_t attempts, const std::string& error);

  metadata::Store& store_;
  const Endpoint endpoint_;
  const DeliveryOptions options_;
  const std::string lease_name_;
  Doorbell& doorbell_;
  std::chrono::steady_clock::time_point lease_renewed_{};
  bool leased_ = false;
  std::optional<metadata::EventCursor> cursor_;  // as stored, while the lease is held
  WebhookClient webhook_;
  std::jthread thread_;  // last: started once the rest is ready
};

}  // namespace events
