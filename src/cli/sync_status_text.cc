#include "cli/sync_status_text.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "transfer/human_bytes.h"

namespace cli {
namespace {

std::string text(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t number(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

void append_set(std::string& out, const nlohmann::json& set) {
  const std::string interval = text(set, "interval");
  const std::string when = interval.empty() ? fmt::format("at \"{}\" (UTC)", text(set, "schedule"))
                                            : "every " + interval;
  const std::string prefix = text(set, "prefix");
  out += fmt::format("{}: {}, {}{}\n", text(set, "name"), when, text(set, "config"),
                     prefix.empty() ? "" : ", into " + prefix + "/");
  const auto running = set.find("running");
  if (running != set.end() && running->is_boolean() && running->get<bool>()) {
    out += "  running now\n";
  }
  const auto last = set.find("last_run");
  if (last == set.end() || !last->is_object()) {
    out += "  last run: none yet\n";
  } else {
    const auto& run = *last;
    const std::size_t errors =
        run.contains("errors") && run["errors"].is_array() ? run["errors"].size() : 0;
    out += fmt::format("  last run: {} to {}: {} images ok, {} failed, {} copied, {} errors\n",
                       text(run, "started"), text(run, "finished"), number(run, "images_ok"),
                       number(run, "images_failed"), transfer::human_bytes(number(run, "bytes")),
                       errors);
    if (errors > 0) {
      for (const auto& error : run["errors"]) {
        if (error.is_string()) out += "    " + error.get<std::string>() + "\n";
      }
    }
  }
  const std::string next = text(set, "next_run");
  out += fmt::format("  next run: {}\n", next.empty() ? "when the current run ends" : next);
}

}  // namespace

oci::Result<std::string> sync_status_text(std::string_view body, std::string_view server) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("sets") || !json["sets"].is_array()) {
    return oci::fail(
        oci::ErrorCode::kInternal,
        fmt::format("{} did not answer with sync sets (is it regmirror serve?)", server));
  }
  if (json["sets"].empty()) return fmt::format("{} has no sync sets (mirror.sync)\n", server);
  std::string out;
  for (const auto& set : json["sets"]) {
    if (set.is_object()) append_set(out, set);
  }
  return out;
}

}  // namespace cli
