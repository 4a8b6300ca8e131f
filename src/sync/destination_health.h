// Whether a sync destination still answers. Transport failures (connection refused or reset,
// timeouts, 5xx: the client's kInternal errors, each after its own retries) in a row mark it
// down once there are `threshold` of them; any answer in between starts the count again. A
// destination stays down for the rest of the run: its remaining images are skipped at once
// instead of each costing a retry cycle.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "oci/error.h"

namespace imagesync {

class DestinationHealth {
 public:
  explicit DestinationHealth(int threshold = 2) : threshold_(threshold) {}

  // The outcome of one request to the destination. True when it marked the destination
  // down (once per run).
  bool record(const oci::Error* failure);
  bool down() const;
  // Why it is down: "2 transport failures in a row, the last: GET ...: connection refused".
  std::optional<std::string> down_reason() const;

  // The errors that count: a transport failure or a server error.
  static bool is_transport_failure(const oci::Error& error);

 private:
  const int threshold_;
  mutable std::mutex mutex_;
  int failures_in_a_row_ = 0;
  std::optional<std::string> down_reason_;
};

}  // namespace imagesync
