#include "server/auth_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "server/yaml_values.h"

namespace server {

oci::Result<void> read_auth_mode(const YAML::Node& node, const std::string& key, AuthMode& out) {
  auto text = string_value(node, key);
  if (!text) return std::unexpected(text.error());
  if (*text == "token") {
    out = AuthMode::kToken;
  } else if (*text == "basic") {
    out = AuthMode::kBasic;
  } else {
    return oci::fail(oci::ErrorCode::kInternal,
                     "config: " + key + " must be token or basic, not \"" + *text + "\"");
  }
  return {};
}

oci::Result<void> read_groups(const YAML::Node& node, const std::string& key,
                              std::map<std::string, std::vector<std::string>>& out) {
  if (!node.IsMap()) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "config: " + key + " must map group names to lists of users");
  }
  out.clear();
  for (const auto& entry : node) {
    auto name = string_value(entry.first, key);
    if (!name) return std::unexpected(name.error());
    auto users = string_list(entry.second, key + "." + *name);
    if (!users) return std::unexpected(users.error());
    out[*name] = std::move(*users);
  }
  return {};
}

oci::Result<void> read_access_rules(const YAML::Node& node, const std::string& key,
                                    std::vector<auth::RuleSpec>& out) {
  if (!node.IsSequence()) {
    return oci::fail(oci::ErrorCode::kInternal, "config: " + key + " must be a list of rules");
  }
  out.clear();
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node rule = node[i];
    const std::string where = fmt::format("{}[{}]", key, i);
    if (!rule.IsMap()) {
      return oci::fail(oci::ErrorCode::kInternal,
                       "config: " + where + " must have repositories, actions and subjects");
    }
    auth::RuleSpec spec;
    bool has_repositories = false;
    for (const auto& field : rule) {
      const std::string name = field.first.Scalar();
      if (name == "repositories") {
        auto pattern = string_value(field.second, where + ".repositories");
        if (!pattern) return std::unexpected(pattern.error());
        spec.repositories = std::move(*pattern);
        has_repositories = true;
      } else if (name == "actions" || name == "subjects") {
        auto values = string_list(field.second, fmt::format("{}.{}", where, name));
        if (!values) return std::unexpected(values.error());
        (name == "actions" ? spec.actions : spec.subjects) = std::move(*values);
      } else {
        return oci::fail(oci::ErrorCode::kInternal,
                         fmt::format("config: unknown key {}.{}", where, name));
      }
    }
    if (!has_repositories || spec.actions.empty() || spec.subjects.empty()) {
      return oci::fail(oci::ErrorCode::kInternal,
                       "config: " + where + " needs repositories, actions and subjects");
    }
    out.push_back(std::move(spec));
  }
  return {};
}

oci::Result<void> read_paths(const YAML::Node& node, const std::string& key,
                             std::vector<std::filesystem::path>& out) {
  auto values = string_list(node, key);
  if (!values) return std::unexpected(values.error());
  out.assign(values->begin(), values->end());
  return {};
}

oci::Result<auth::AccessRules> effective_rules(const AuthConfig& config) {
  std::vector<auth::RuleSpec> rules = config.access;
  if (rules.empty()) rules.push_back({"**", {"pull", "push", "delete"}, {"authenticated"}});
  if (config.anonymous_pull) rules.push_back({"**", {"pull"}, {"anonymous"}});
  auto made = auth::AccessRules::make(rules, config.groups);
  if (!made)
    return oci::fail(oci::ErrorCode::kInternal, "config: auth.access: " + made.error().message);
  return made;
}

}  // namespace server
