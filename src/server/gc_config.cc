#include "server/gc_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <memory>

#include "server/config.h"
#include "server/yaml_values.h"

namespace server {
namespace {

std::unexpected<oci::Error> wrong(const std::string& where, std::string_view why) {
  return oci::fail(oci::ErrorCode::kInternal, fmt::format("config: {}: {}", where, why));
}

}  // namespace

imagesync::Schedule GcConfig::default_schedule() {
  return imagesync::Schedule::at(imagesync::CronSchedule::parse("0 3 * * *").value());
}

oci::Result<void> read_gc_config(const YAML::Node& node, const std::string& key, GcConfig& out) {
  if (!node.IsMap()) return wrong(key, "must be a mapping");
  bool scheduled = false;
  for (const auto& field : node) {
    const std::string name = field.first.Scalar();
    std::string at = key;
    at.append(".").append(name);
    if (name == "schedule" || name == "interval") {
      if (scheduled) return wrong(key, "give either schedule or interval, not both");
      scheduled = true;
      auto text = string_value(field.second, at);
      if (!text) return std::unexpected(text.error());
      if (name == "schedule" && text->empty()) {
        out.schedule.reset();
      } else if (name == "schedule") {
        auto cron = imagesync::CronSchedule::parse(*text);
        if (!cron) return wrong(at, cron.error().message);
        out.schedule = imagesync::Schedule::at(std::move(*cron));
      } else {
        auto interval = parse_duration(*text);
        if (!interval) return wrong(at, interval.error().message);
        if (*interval < std::chrono::seconds(1)) return wrong(at, "must be at least 1s");
        out.schedule = imagesync::Schedule::every(*interval);
      }
    } else if (name == "grace") {
      auto text = string_value(field.second, at);
      if (!text) return std::unexpected(text.error());
      auto grace = parse_duration(*text);
      if (!grace) return wrong(at, grace.error().message);
      if (*grace < registry::kMinimumGrace) return wrong(at, "must be at least 1s");
      out.grace = std::chrono::duration_cast<std::chrono::seconds>(*grace);
    } else if (name == "untagged") {
      auto value = bool_value(field.second, at);
      if (!value) return std::unexpected(value.error());
      out.untagged = *value;
    } else if (name == "exempt") {
      auto texts = string_list(field.second, at);
      if (!texts) return std::unexpected(texts.error());
      std::vector<auth::RepositoryPattern> patterns;
      for (const std::string& text : *texts) {
        auto pattern = auth::RepositoryPattern::parse(text);
        if (!pattern) return wrong(at, pattern.error().message);
        patterns.push_back(std::move(*pattern));
      }
      out.exempt = std::move(patterns);
    } else {
      return wrong(key, fmt::format("unknown key {} (known: schedule, interval, grace, untagged, "
                                    "exempt)",
                                    name));
    }
  }
  return {};
}

oci::Result<void> read_admins(const YAML::Node& node, const std::string& key,
                              std::vector<std::string>& out) {
  auto subjects = string_list(node, key);
  if (!subjects) return std::unexpected(subjects.error());
  for (const std::string& subject : *subjects) {
    if (subject.empty() || subject == "anonymous") {
      return wrong(key, "subjects are users, group:NAME or authenticated");
    }
  }
  out = std::move(*subjects);
  return {};
}

registry::GcOptions gc_options(const GcConfig& config,
                               const std::vector<mirror::Upstream>& upstreams) {
  std::vector<auth::RepositoryPattern> exempt;
  if (config.exempt) {
    exempt = *config.exempt;
  } else {
    for (const auto& upstream : upstreams) {
      exempt.push_back(
          auth::RepositoryPattern::parse(upstream.prefix.empty() ? "**" : upstream.prefix + "/**")
              .value());
    }
  }
  registry::GcOptions options;
  options.grace = config.grace;
  options.untagged = config.untagged;
  auto patterns = std::make_shared<const std::vector<auth::RepositoryPattern>>(std::move(exempt));
  options.exempt = [patterns](std::string_view repository) {
    return std::ranges::any_of(*patterns, [&](const auto& p) { return p.matches(repository); });
  };
  return options;
}

}  // namespace server
