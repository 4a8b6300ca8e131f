// Events as `regmirror serve` runs them: the outbox writer every module emits into, one
// deliverer per endpoint, and the removal of events every endpoint has had once they are
// older than the retention.
#pragma once

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "events/deliverer.h"
#include "events/doorbell.h"
#include "events/endpoint.h"
#include "events/outbox_writer.h"

namespace events {

struct ServiceOptions {
  std::vector<Endpoint> endpoints;
  std::chrono::milliseconds retention{std::chrono::hours(24 * 7)};
  std::string source;  // this process's host name, stamped on its events
  std::string holder;  // unique per process: the deliverers' lease holder
};

class Service {
 public:
  // Creates each endpoint's cursor (so that it is sent everything emitted from now on), then
  // starts writing and delivering.
  static oci::Result<std::unique_ptr<Service>> start(metadata::Store& store,
                                                     ServiceOptions options);
  // Writes what is queued, then stops delivering.
  ~Service();

  Sink& sink() { return *writer_; }

 private:
  Service(metadata::Store& store, ServiceOptions options);
  void remove_old_events(const std::stop_token& stop);

  metadata::Store& store_;
  const ServiceOptions options_;
  Doorbell doorbell_;
  std::unique_ptr<OutboxWriter> writer_;
  std::vector<std::unique_ptr<Deliverer>> deliverers_;
  std::jthread janitor_;
};

}  // namespace events
