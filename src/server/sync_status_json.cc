#include "server/sync_status_json.h"

#include <nlohmann/json.hpp>

namespace server {

std::string sync_status_json(const std::vector<imagesync::SetStatus>& sets) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& status : sets) {
    nlohmann::ordered_json set = {{"name", status.set.name},
                                  {"config", status.set.config.string()}};
    set[status.set.schedule.is_interval() ? "interval" : "schedule"] =
        status.set.schedule.describe();
    set["prefix"] = status.set.prefix;
    set["running"] = status.running;
    set["last_run"] = nullptr;
    if (const auto& run = status.last_run) {
      set["last_run"] = {{"started", imagesync::format_utc(run->started)},
                         {"finished", imagesync::format_utc(run->finished)},
                         {"images_ok", run->images_ok},
                         {"images_failed", run->images_failed},
                         {"bytes", run->bytes},
                         {"errors", run->errors}};
    }
    set["next_run"] = nullptr;
    if (status.next_run) set["next_run"] = imagesync::format_utc(*status.next_run);
    list.push_back(std::move(set));
  }
  // Keys in the order written, for people reading it. Replaced, not thrown: an error text from a
  // source may hold bytes that are not UTF-8.
  return nlohmann::ordered_json{{"sets", std::move(list)}}.dump(
      -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace server
