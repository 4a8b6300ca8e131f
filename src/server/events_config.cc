#include "server/events_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "server/config.h"
#include "server/yaml_values.h"

namespace server {
namespace {

std::unexpected<oci::Error> config_error(std::string message) {
  return std::unexpected(oci::Error{oci::ErrorCode::kInternal, "config: " + std::move(message)});
}

oci::Result<std::chrono::milliseconds> duration_value(const YAML::Node& node,
                                                      const std::string& key) {
  auto text = string_value(node, key);
  if (!text) return std::unexpected(text.error());
  auto duration = parse_duration(*text);
  if (!duration) return config_error(key + ": " + duration.error().message);
  return *duration;
}

oci::Result<std::vector<auth::RepositoryPattern>> patterns_value(const YAML::Node& node,
                                                                 const std::string& key) {
  auto texts = string_list(node, key);
  if (!texts) return std::unexpected(texts.error());
  std::vector<auth::RepositoryPattern> patterns;
  for (const std::string& text : *texts) {
    auto pattern = auth::RepositoryPattern::parse(text);
    if (!pattern) return config_error(key + ": " + pattern.error().message);
    patterns.push_back(std::move(*pattern));
  }
  return patterns;
}

oci::Result<std::string> secret_file(const YAML::Node& node, const std::string& key) {
  auto path = string_value(node, key);
  if (!path) return std::unexpected(path.error());
  std::ifstream in(*path, std::ios::binary);
  if (!in) return config_error(key + ": cannot read " + *path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) return config_error(key + ": " + *path + " is empty");
  return secret;
}

oci::Result<void> read_field(const std::string& name, const YAML::Node& value,
                             const std::string& key, EventsEndpointConfig& endpoint) {
  auto assign = [](auto result, auto& field) -> oci::Result<void> {
    if (!result) return std::unexpected(result.error());
    field = std::move(*result);
    return {};
  };
  if (name == "name") return assign(string_value(value, key), endpoint.name);
  if (name == "url") return assign(string_value(value, key), endpoint.url);
  if (name == "secret") return assign(string_value(value, key), endpoint.secret);
  if (name == "secret_file") return assign(secret_file(value, key), endpoint.secret);
  if (name == "timeout") return assign(duration_value(value, key), endpoint.timeout);
  if (name == "include") return assign(patterns_value(value, key), endpoint.include);
  if (name == "exclude") return assign(patterns_value(value, key), endpoint.exclude);
  if (name == "format") {
    auto format = string_value(value, key);
    if (!format) return std::unexpected(format.error());
    if (*format == "cloudevents") {
      endpoint.format = events::Format::kCloudEvents;
    } else if (*format == "distribution") {
      endpoint.format = events::Format::kDistribution;
    } else {
      return config_error(key + ": \"cloudevents\" or \"distribution\", not \"" + *format + "\"");
    }
    return {};
  }
  if (name == "actions") {
    auto names = string_list(value, key);
    if (!names) return std::unexpected(names.error());
    endpoint.actions.clear();
    for (const std::string& action_name : *names) {
      auto action = events::parse_action(action_name);
      if (!action) return config_error(fmt::format("{}: unknown action \"{}\"", key, action_name));
      endpoint.actions.push_back(*action);
    }
    return {};
  }
  return config_error("unknown key " + key);
}

oci::Result<void> read_endpoints(const YAML::Node& node, const std::string& key,
                                 std::vector<EventsEndpointConfig>& out) {
  if (!node.IsSequence()) return config_error(key + " must be a list");
  out.clear();
  std::set<std::string> names;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string where = fmt::format("{}[{}]", key, i);
    if (!node[i].IsMap()) return config_error(where + " must be a mapping");
    EventsEndpointConfig endpoint;
    for (const auto& field : node[i]) {
      const std::string name = field.first.Scalar();
      if (auto read = read_field(name, field.second, fmt::format("{}.{}", where, name), endpoint);
          !read) {
        return read;
      }
    }
    if (endpoint.name.empty()) return config_error(where + " needs a name");
    if (endpoint.url.empty()) return config_error(where + " needs a url");
    if (!endpoint.url.starts_with("http://") && !endpoint.url.starts_with("https://")) {
      return config_error(where + ".url must be an http:// or https:// URL");
    }
    if (!names.insert(endpoint.name).second) {
      return config_error(where + ": another endpoint is named " + endpoint.name);
    }
    out.push_back(std::move(endpoint));
  }
  return {};
}

}  // namespace

oci::Result<void> read_events_config(const YAML::Node& node, EventsConfig& out) {
  if (!node.IsMap()) return config_error("events must be a mapping");
  for (const auto& field : node) {
    const std::string name = field.first.Scalar();
    const std::string key = "events." + name;
    if (name == "endpoints") {
      if (auto read = read_endpoints(field.second, key, out.endpoints); !read) return read;
    } else if (name == "retention") {
      auto retention = duration_value(field.second, key);
      if (!retention) return std::unexpected(retention.error());
      out.retention = *retention;
    } else {
      return config_error("unknown key " + key);
    }
  }
  return {};
}

std::vector<events::Endpoint> event_endpoints(const EventsConfig& config) {
  std::vector<events::Endpoint> endpoints;
  for (const EventsEndpointConfig& endpoint : config.endpoints) {
    auto accepts = [include = endpoint.include, exclude = endpoint.exclude,
                    actions = endpoint.actions](events::Action action,
                                                std::string_view repository) {
      const auto matches = [&](const auth::RepositoryPattern& pattern) {
        return pattern.matches(repository);
      };
      if (actions.empty() ? action == events::Action::kPull
                          : std::find(actions.begin(), actions.end(), action) == actions.end()) {
        return false;
      }
      if (!include.empty() && std::none_of(include.begin(), include.end(), matches)) return false;
      return std::none_of(exclude.begin(), exclude.end(), matches);
    };
    endpoints.push_back(
        events::Endpoint{.name = endpoint.name,
                         .url = endpoint.url,
                         .secret = endpoint.secret,
                         .format = endpoint.format,
                         .timeout = endpoint.timeout,
                         .accepts = std::move(accepts),
                         .pulls = std::find(endpoint.actions.begin(), endpoint.actions.end(),
                                            events::Action::kPull) != endpoint.actions.end()});
  }
  return endpoints;
}

}  // namespace server
