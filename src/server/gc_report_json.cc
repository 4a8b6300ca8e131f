#include "server/gc_report_json.h"

#include <nlohmann/json.hpp>

namespace server {
namespace {

nlohmann::json removed_tags_json(const std::vector<registry::RemovedTag>& tags) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& removed : tags) {
    list.push_back({{"repository", removed.repository},
                    {"tag", removed.tag},
                    {"digest", removed.digest},
                    {"reason", removed.reason}});
  }
  return list;
}

std::string dumped(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string gc_report_json(const registry::GcReport& report) {
  const nlohmann::json json = {
      {"dry_run", report.dry_run},
      {"manifests_removed", report.manifests_removed},
      {"blobs_removed", report.blobs_removed},
      {"bytes_freed", report.bytes_freed},
      {"links_removed", report.links_removed},
      {"leftovers_removed", report.leftovers_removed},
      {"duration_ms", report.duration.count()},
      {"manifests", report.manifests},
      {"blobs", report.blobs},
      {"errors", report.errors},
      {"tags_removed", report.tags_removed.size()},
      {"tags", removed_tags_json(report.tags_removed)},
  };
  return dumped(json);
}

std::string retention_report_json(const registry::RetentionReport& report) {
  const nlohmann::json json = {
      {"dry_run", report.dry_run},
      {"tags_removed", report.removed.size()},
      {"tags_kept", report.tags_kept},
      {"duration_ms", report.duration.count()},
      {"tags", removed_tags_json(report.removed)},
  };
  return dumped(json);
}

oci::Result<bool> parse_gc_request(std::string_view body) {
  const auto wrong = [] {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     "the body must be empty or a JSON object like {\"dry_run\": true}");
  };
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return false;
  const nlohmann::json request = nlohmann::json::parse(body, nullptr, false);
  if (!request.is_object()) return wrong();
  bool dry_run = false;
  for (const auto& [key, value] : request.items()) {
    if (key != "dry_run" || !value.is_boolean()) return wrong();
    dry_run = value.get<bool>();
  }
  return dry_run;
}

}  // namespace server
