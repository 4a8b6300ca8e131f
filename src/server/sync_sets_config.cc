#include "server/sync_sets_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>

#include "server/config.h"
#include "sync/repository_mapping.h"

namespace server {
namespace {

using oci::ErrorCode;

std::unexpected<oci::Error> wrong(const std::string& where, std::string_view why) {
  return oci::fail(ErrorCode::kInternal, fmt::format("config: {}: {}", where, why));
}

oci::Result<std::string> text_of(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar() || node.Scalar().empty()) return wrong(where, "must be a non-empty string");
  return node.Scalar();
}

oci::Result<imagesync::ScheduledSet> read_set(const YAML::Node& node, const std::string& where) {
  if (!node.IsMap()) return wrong(where, "must be a mapping with config and interval or schedule");
  std::optional<std::string> name;
  std::optional<std::string> config;
  std::optional<imagesync::Schedule> schedule;
  std::string prefix;
  for (const auto& field : node) {
    const std::string key = field.first.Scalar();
    const std::string at = fmt::format("{}.{}", where, key);
    auto text = text_of(field.second, at);
    if (!text) return std::unexpected(text.error());
    if (key == "name") {
      name = *text;
    } else if (key == "config") {
      config = *text;
    } else if (key == "prefix") {
      if (!imagesync::Destination::parse("localhost/" + *text)) {
        return wrong(at, fmt::format("\"{}\" is not a repository path", *text));
      }
      prefix = *text;
    } else if (key == "interval" || key == "schedule") {
      if (schedule) return wrong(where, "give either interval or schedule, not both");
      if (key == "interval") {
        auto interval = parse_duration(*text);
        if (!interval) return wrong(at, interval.error().message);
        if (*interval < std::chrono::seconds(1)) return wrong(at, "must be at least 1s");
        schedule = imagesync::Schedule::every(*interval);
      } else {
        auto cron = imagesync::CronSchedule::parse(*text);
        if (!cron) return wrong(at, cron.error().message);
        schedule = imagesync::Schedule::at(std::move(*cron));
      }
    } else {
      return wrong(where, fmt::format("unknown key {} (known: name, config, interval, schedule, "
                                      "prefix)",
                                      key));
    }
  }
  if (!config) return wrong(where, "needs config: the sync.yaml of the set");
  if (!schedule) return wrong(where, "needs interval or schedule");
  if (!name) name = std::filesystem::path(*config).stem().string();
  if (name->empty()) return wrong(where, "needs a name (the config file's has no stem)");
  return imagesync::ScheduledSet{std::move(*name), std::move(*config), std::move(*schedule),
                                 std::move(prefix)};
}

}  // namespace

oci::Result<void> read_sync_sets(const YAML::Node& node, const std::string& key,
                                 std::vector<imagesync::ScheduledSet>& out) {
  if (!node.IsSequence()) return wrong(key, "must be a list of sync sets");
  out.clear();
  std::set<std::string> names;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string where = fmt::format("{}[{}]", key, i);
    auto set = read_set(node[i], where);
    if (!set) return std::unexpected(set.error());
    if (!names.insert(set->name).second) {
      return wrong(where, fmt::format("a second set named \"{}\" (name one of them)", set->name));
    }
    out.push_back(std::move(*set));
  }
  return {};
}

}  // namespace server
