#include "server/quota_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "auth/repository_pattern.h"
#include "server/yaml_values.h"

namespace server {
namespace {

std::unexpected<oci::Error> wrong(const std::string& where, std::string_view why) {
  return oci::fail(oci::ErrorCode::kInternal, fmt::format("config: {}: {}", where, why));
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

}  // namespace

bool QuotaRule::covers(std::string_view repository) const {
  if (repository == prefix) return true;
  if (!subtree) return false;
  return prefix.empty() || (repository.size() > prefix.size() && repository.starts_with(prefix) &&
                            repository[prefix.size()] == '/');
}

oci::Result<std::uint64_t> parse_byte_size(std::string_view text) {
  const auto invalid = [&](std::string_view why) {
    return oci::fail(oci::ErrorCode::kInternal, fmt::format("invalid size \"{}\": {}", text, why));
  };
  const std::string_view value = trimmed(text);
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec == std::errc::result_out_of_range) return invalid("too large");
  if (ec != std::errc() || end == value.data()) {
    return invalid("a whole number of bytes is expected, optionally with a unit (10GiB, 500MB)");
  }
  static const std::map<std::string_view, std::uint64_t, std::less<>> kUnits = {
      {"", 1},
      {"B", 1},
      {"kB", 1'000},
      {"KB", 1'000},
      {"MB", 1'000'000},
      {"GB", 1'000'000'000},
      {"TB", 1'000'000'000'000},
      {"KiB", std::uint64_t{1} << 10},
      {"MiB", std::uint64_t{1} << 20},
      {"GiB", std::uint64_t{1} << 30},
      {"TiB", std::uint64_t{1} << 40},
  };
  const auto unit = kUnits.find(trimmed(std::string_view(end, value.data() + value.size())));
  if (unit == kUnits.end()) return invalid("units are B, kB, MB, GB, TB, KiB, MiB, GiB, TiB");
  if (number > kMaxQuotaBytes / unit->second) {
    return invalid(fmt::format("more than the largest limit, {} bytes", kMaxQuotaBytes));
  }
  return number * unit->second;
}

oci::Result<QuotaRule> parse_quota_pattern(std::string_view text) {
  const auto invalid = [&](std::string_view why) {
    return oci::fail(oci::ErrorCode::kInternal,
                     fmt::format("repository pattern \"{}\": {}", text, why));
  };
  if (auto pattern = auth::RepositoryPattern::parse(text); !pattern) {
    return std::unexpected(pattern.error());
  }
  QuotaRule rule;
  rule.pattern = text;
  std::string_view literal = text;
  if (literal == "**") {
    literal = {};
    rule.subtree = true;
  } else if (literal.ends_with("/**")) {
    literal.remove_suffix(3);
    rule.subtree = true;
  }
  if (literal.find('*') != std::string_view::npos) {
    return invalid("a quota's namespace is a name, optionally followed by /** (team-a/**), or **");
  }
  rule.prefix = literal;
  return rule;
}

oci::Result<void> read_quotas(const YAML::Node& node, const std::string& key,
                              std::vector<QuotaRule>& out) {
  if (!node.IsSequence()) return wrong(key, "must be a list of {repositories, limit}");
  std::vector<QuotaRule> rules;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string at = fmt::format("{}[{}]", key, i);
    const YAML::Node entry = node[i];
    if (!entry.IsMap()) return wrong(at, "must be a mapping with repositories and limit");
    std::optional<QuotaRule> rule;
    std::optional<std::uint64_t> limit;
    for (const auto& field : entry) {
      const std::string name = field.first.Scalar();
      const std::string where = fmt::format("{}.{}", at, name);
      if (name == "repositories") {
        auto text = string_value(field.second, where);
        if (!text) return std::unexpected(text.error());
        auto parsed = parse_quota_pattern(*text);
        if (!parsed) return wrong(where, parsed.error().message);
        rule = std::move(*parsed);
      } else if (name == "limit") {
        auto text = string_value(field.second, where);
        if (!text) return std::unexpected(text.error());
        auto bytes = parse_byte_size(*text);
        if (!bytes) return wrong(where, bytes.error().message);
        limit = *bytes;
      } else {
        return wrong(at, fmt::format("unknown key {} (known: repositories, limit)", name));
      }
    }
    if (!rule) return wrong(at, "repositories is required");
    if (!limit) return wrong(at, "limit is required");
    rule->limit = *limit;
    if (std::ranges::any_of(rules,
                            [&](const QuotaRule& r) { return r.pattern == rule->pattern; })) {
      return wrong(at + ".repositories", fmt::format("{} has a quota already", rule->pattern));
    }
    rules.push_back(std::move(*rule));
  }
  out = std::move(rules);
  return {};
}

}  // namespace server
