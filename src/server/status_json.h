// GET /regmirror/v1/status's body: what an operator wants at a glance (docs/api.md). Built from
// what is known already or costs one cheap query: no figure here walks the registry.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metadata/store.h"
#include "server/quota_ledger.h"

namespace server {

// The scheduled sync sets, summed up; their runs are at /regmirror/v1/sync.
struct SyncSummary {
  std::size_t sets = 0;
  std::size_t running = 0;
  std::size_t failing = 0;  // whose last run had errors
};

struct StatusReport {
  std::string version{};
  std::optional<std::chrono::system_clock::time_point> started{};  // the process's start
  std::chrono::system_clock::time_point now{};
  std::optional<metadata::BlobTotals> storage{};  // nothing when the query failed
  std::vector<QuotaUsage> quotas{};
  std::vector<metadata::GcRunRecord> gc_runs{};  // newest first
  std::optional<SyncSummary> sync{};             // with mirror.sync
  bool mirror = false;                           // with mirror.upstreams
};

std::string status_json(const StatusReport& report);

}  // namespace server
