// The standard process metrics Prometheus' client libraries export, read from /proc/self at
// scrape time: process_start_time_seconds, process_resident_memory_bytes, process_open_fds.
#pragma once

#include <optional>
#include <vector>

#include "metrics/registry.h"

namespace metrics {

// Registered in `registry` for as long as the returned registrations live.
std::vector<Registration> register_process_metrics(Registry& registry);

// The readings themselves; nothing when /proc does not say.
std::optional<double> process_start_time_seconds();
std::optional<double> process_resident_memory_bytes();
std::optional<double> process_open_fds();

}  // namespace metrics
