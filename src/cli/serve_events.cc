#include "cli/serve_events.h"

#include <unistd.h>

#include <array>

#include "mirror/cluster_lease.h"

namespace cli {

oci::Result<std::unique_ptr<events::Service>> start_events(const server::EventsConfig& config,
                                                           metadata::Store& store) {
  if (!config.enabled()) return nullptr;
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return events::Service::start(store, events::ServiceOptions{
                                           .endpoints = server::event_endpoints(config),
                                           .retention = config.retention,
                                           .source = host.data(),
                                           .holder = mirror::new_lease_holder(),
                                       });
}

}  // namespace cli
