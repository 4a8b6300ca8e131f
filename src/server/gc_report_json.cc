#include "server/gc_report_json.h"

#include <nlohmann/json.hpp>

namespace server {

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
  };
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
