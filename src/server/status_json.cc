#include "server/status_json.h"

#include <nlohmann/json.hpp>

#include "sync/schedule.h"

namespace server {
namespace {

std::string utc(std::int64_t unix_seconds) {
  return imagesync::format_utc(std::chrono::system_clock::from_time_t(unix_seconds));
}

nlohmann::json gc_run_json(const metadata::GcRunRecord& run) {
  return {
      {"started_at", utc(run.started_at)},
      {"finished_at", utc(run.finished_at)},
      {"result", run.error.empty() ? "ok" : "failed"},
      {"error", run.error.empty() ? nlohmann::json() : nlohmann::json(run.error)},
      {"dry_run", run.dry_run},
      {"manifests_removed", run.manifests_removed},
      {"blobs_removed", run.blobs_removed},
      {"bytes_freed", run.bytes_freed},
  };
}

}  // namespace

std::string status_json(const StatusReport& report) {
  nlohmann::json body = {{"version", report.version}};
  if (report.started) {
    body["started_at"] = imagesync::format_utc(*report.started);
    body["uptime_seconds"] =
        std::chrono::duration_cast<std::chrono::seconds>(report.now - *report.started).count();
  } else {
    body["started_at"] = nullptr;
    body["uptime_seconds"] = nullptr;
  }
  body["storage"] = report.storage ? nlohmann::json{{"blobs", report.storage->blobs},
                                                    {"bytes", report.storage->bytes}}
                                   : nlohmann::json();
  nlohmann::json quotas = nlohmann::json::array();
  for (const QuotaUsage& quota : report.quotas) {
    quotas.push_back(
        {{"namespace", quota.pattern}, {"limit_bytes", quota.limit}, {"used_bytes", quota.used}});
  }
  body["quotas"] = std::move(quotas);
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& run : report.gc_runs) runs.push_back(gc_run_json(run));
  body["gc"] = std::move(runs);
  if (report.sync) {
    body["sync"] = {{"sets", report.sync->sets},
                    {"running", report.sync->running},
                    {"failing", report.sync->failing},
                    {"href", "/regmirror/v1/sync"}};
  }
  if (report.mirror) body["upstreams"] = {{"href", "/regmirror/v1/upstreams"}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace server
