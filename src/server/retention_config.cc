#include "server/retention_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <regex>

#include "auth/repository_pattern.h"
#include "oci/tag_regex.h"
#include "server/config.h"
#include "server/yaml_values.h"
#include "sync/semver.h"

namespace server {
namespace {

std::unexpected<oci::Error> wrong(const std::string& where, std::string_view why) {
  return oci::fail(oci::ErrorCode::kInternal, fmt::format("config: {}: {}", where, why));
}

oci::Result<std::function<bool(std::string_view)>> read_repositories(const YAML::Node& node,
                                                                     const std::string& key) {
  auto texts = string_list(node, key);
  if (!texts) return std::unexpected(texts.error());
  if (texts->empty()) return wrong(key, "names no repository");
  std::vector<auth::RepositoryPattern> patterns;
  for (const std::string& text : *texts) {
    auto pattern = auth::RepositoryPattern::parse(text);
    if (!pattern) return wrong(key, pattern.error().message);
    patterns.push_back(std::move(*pattern));
  }
  return [patterns = std::move(patterns)](std::string_view repository) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const auto& pattern) { return pattern.matches(repository); });
  };
}

oci::Result<std::function<bool(std::string_view)>> read_keep_tags(const YAML::Node& node,
                                                                  const std::string& key) {
  auto texts = string_list(node, key);
  if (!texts) return std::unexpected(texts.error());
  if (texts->empty()) return wrong(key, "names no regex");
  std::vector<std::regex> regexes;
  for (const std::string& text : *texts) {
    auto regex = oci::compile_tag_regex(text);
    if (!regex) return wrong(key, fmt::format("regex \"{}\" {}", text, regex.error()));
    regexes.push_back(std::move(*regex));
  }
  // A whole-tag match: "v1" keeps v1, not v10.
  return [regexes = std::move(regexes)](std::string_view tag) {
    return std::any_of(regexes.begin(), regexes.end(), [&](const std::regex& regex) {
      return std::regex_match(tag.begin(), tag.end(), regex);
    });
  };
}

oci::Result<std::function<bool(std::string_view)>> read_keep_semver(const YAML::Node& node,
                                                                    const std::string& key) {
  auto text = string_value(node, key);
  if (!text) return std::unexpected(text.error());
  auto range = imagesync::semver::Range::parse(*text);
  if (!range) return wrong(key, range.error().message);
  return [range = std::move(*range)](std::string_view tag) {
    auto version = imagesync::semver::Version::parse(tag);
    return version && range.matches(*version);
  };
}

oci::Result<std::size_t> read_count(const YAML::Node& node, const std::string& key) {
  const std::string text = node.IsScalar() ? node.Scalar() : std::string();
  std::size_t count = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return wrong(key, "must be a count (0 or more)");
  }
  return count;
}

oci::Result<std::chrono::seconds> read_age(const YAML::Node& node, const std::string& key) {
  auto text = string_value(node, key);
  if (!text) return std::unexpected(text.error());
  auto duration = parse_duration(*text);
  if (!duration) return wrong(key, duration.error().message);
  if (*duration < std::chrono::seconds(1)) return wrong(key, "must be at least 1s");
  return std::chrono::duration_cast<std::chrono::seconds>(*duration);
}

oci::Result<registry::RetentionRule> read_rule(const YAML::Node& node, const std::string& key) {
  if (!node.IsMap()) return wrong(key, "must be a mapping");
  registry::RetentionRule rule;
  registry::RetentionCriteria& criteria = rule.criteria;
  bool has_criterion = false;
  for (const auto& field : node) {
    const std::string name = field.first.Scalar();
    std::string at = key;
    at.append(".").append(name);
    const YAML::Node& value = field.second;
    oci::Result<void> read;
    if (name == "repositories") {
      auto applies = read_repositories(value, at);
      if (!applies) return std::unexpected(applies.error());
      rule.applies = std::move(*applies);
      rule.repositories = value.IsSequence() ? YAML::Dump(value) : value.Scalar();
      continue;
    }
    has_criterion = true;
    if (name == "keep_tags") {
      auto keep = read_keep_tags(value, at);
      if (!keep) return std::unexpected(keep.error());
      criteria.keep_tags = std::move(*keep);
    } else if (name == "keep_semver") {
      auto keep = read_keep_semver(value, at);
      if (!keep) return std::unexpected(keep.error());
      criteria.keep_semver = std::move(*keep);
    } else if (name == "keep_newest") {
      auto count = read_count(value, at);
      if (!count) return std::unexpected(count.error());
      criteria.keep_newest = *count;
    } else if (name == "keep_pulled_within" || name == "drop_older_than") {
      auto age = read_age(value, at);
      if (!age) return std::unexpected(age.error());
      (name == "drop_older_than" ? criteria.drop_older_than : criteria.keep_pulled_within) = *age;
    } else {
      return wrong(key, fmt::format("unknown key {} (known: repositories, keep_newest, keep_tags, "
                                    "keep_semver, drop_older_than, keep_pulled_within)",
                                    name));
    }
  }
  if (!rule.applies) return wrong(key, "repositories is required");
  if (!has_criterion) {
    return wrong(key,
                 "needs a criterion (keep_newest, keep_tags, keep_semver, drop_older_than or "
                 "keep_pulled_within): without one it would remove every tag");
  }
  return rule;
}

}  // namespace

oci::Result<void> read_retention_config(const YAML::Node& node, const std::string& key,
                                        RetentionConfig& out) {
  if (!node.IsMap()) return wrong(key, "must be a mapping");
  for (const auto& field : node) {
    const std::string name = field.first.Scalar();
    std::string at = key;
    at.append(".").append(name);
    if (name != "rules") return wrong(key, fmt::format("unknown key {} (known: rules)", name));
    if (!field.second.IsSequence()) return wrong(at, "must be a list of rules");
    std::vector<registry::RetentionRule> rules;
    for (std::size_t i = 0; i < field.second.size(); ++i) {
      auto rule = read_rule(field.second[i], fmt::format("{}[{}]", at, i));
      if (!rule) return std::unexpected(rule.error());
      rules.push_back(std::move(*rule));
    }
    out.rules = std::move(rules);
  }
  return {};
}

}  // namespace server
