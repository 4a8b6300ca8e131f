#include "server/mirror_config.h"

#include <fmt/format.h>

#include "oci/tag_regex.h"
#include "server/config.h"
#include "server/yaml_values.h"

namespace server {
namespace {

oci::Error config_error(std::string message) {
  return oci::Error{oci::ErrorCode::kInternal, "config: " + std::move(message)};
}

oci::Result<std::vector<auth::RepositoryPattern>> read_patterns(const YAML::Node& node,
                                                                const std::string& key) {
  auto texts = string_list(node, key);
  if (!texts) return std::unexpected(texts.error());
  std::vector<auth::RepositoryPattern> patterns;
  for (const std::string& text : *texts) {
    auto pattern = auth::RepositoryPattern::parse(text);
    if (!pattern) return std::unexpected(config_error(key + ": " + pattern.error().message));
    patterns.push_back(std::move(*pattern));
  }
  return patterns;
}

oci::Result<std::vector<std::regex>> read_regexes(const YAML::Node& node, const std::string& key) {
  auto texts = string_list(node, key);
  if (!texts) return std::unexpected(texts.error());
  std::vector<std::regex> rules;
  for (const std::string& text : *texts) {
    auto rule = oci::compile_tag_regex(text);
    if (!rule) {
      return std::unexpected(config_error(fmt::format("{}: \"{}\" {}", key, text, rule.error())));
    }
    rules.push_back(std::move(*rule));
  }
  return rules;
}

// Calls `read(name, value)` for each key of a mapping; an unknown one is an error there.
template <class Read>
oci::Result<void> each_field(const YAML::Node& node, const std::string& key, Read read) {
  if (!node.IsMap()) return std::unexpected(config_error(key + " must be a mapping"));
  for (const auto& field : node) {
    const std::string name = field.first.Scalar();
    std::string where = key;
    where.append(".").append(name);
    if (auto ok = read(name, field.second, where); !ok) return ok;
  }
  return {};
}

oci::Result<void> unknown(const std::string& key) {
  return std::unexpected(config_error("unknown key " + key));
}

oci::Result<void> read_access(const std::string& name, const YAML::Node& value,
                              const std::string& key, mirror::UpstreamAccess& access) {
  if (name == "credentials") {
    return each_field(value, key,
                      [&](const std::string& field, const YAML::Node& v,
                          const std::string& where) -> oci::Result<void> {
                        auto text = string_value(v, where);
                        if (!text) return std::unexpected(text.error());
                        if (field == "username") {
                          access.username = *text;
                        } else if (field == "password") {
                          access.password = *text;
                        } else {
                          return unknown(where);
                        }
                        return {};
                      });
  }
  if (name == "auth_file") {
    auto text = string_value(value, key);
    if (!text) return std::unexpected(text.error());
    access.auth_file = *text;
    return {};
  }
  if (name == "tls") {
    return each_field(value, key,
                      [&](const std::string& field, const YAML::Node& v,
                          const std::string& where) -> oci::Result<void> {
                        if (field == "insecure") {
                          auto flag = bool_value(v, where);
                          if (!flag) return std::unexpected(flag.error());
                          access.insecure = *flag;
                          return {};
                        }
                        if (field == "ca") {
                          auto files = string_list(v, where);
                          if (!files) return std::unexpected(files.error());
                          access.ca_files.assign(files->begin(), files->end());
                          return {};
                        }
                        if (field == "certs_dir") {
                          auto text = string_value(v, where);
                          if (!text) return std::unexpected(text.error());
                          access.certs_dir = *text;
                          return {};
                        }
                        return unknown(where);
                      });
  }
  return unknown(key);
}

oci::Result<void> read_field(const std::string& name, const YAML::Node& value,
                             const std::string& key, mirror::Upstream& upstream) {
  if (name == "prefix") {
    auto text = string_value(value, key);
    if (!text) return std::unexpected(text.error());
    if (!text->empty()) {
      if (auto ok = mirror::check_upstream_prefix(*text); !ok) {
        return std::unexpected(config_error(key + ": " + ok.error().message));
      }
    }
    upstream.prefix = *text;
  } else if (name == "url") {
    auto text = string_value(value, key);
    if (!text) return std::unexpected(text.error());
    auto url = mirror::parse_upstream_url(*text);
    if (!url) return std::unexpected(config_error(key + ": " + url.error().message));
    upstream.url = std::move(*url);
  } else if (name == "tag_ttl") {
    auto text = string_value(value, key);
    if (!text) return std::unexpected(text.error());
    auto ttl = parse_duration(*text);
    if (!ttl) return std::unexpected(config_error(key + ": " + ttl.error().message));
    upstream.tag_ttl = std::chrono::duration_cast<std::chrono::seconds>(*ttl);
  } else if (name == "include" || name == "exclude") {
    auto patterns = read_patterns(value, key);
    if (!patterns) return std::unexpected(patterns.error());
    (name == "include" ? upstream.include : upstream.exclude) = std::move(*patterns);
  } else if (name == "tags") {
    return each_field(value, key,
                      [&](const std::string& field, const YAML::Node& v,
                          const std::string& where) -> oci::Result<void> {
                        if (field != "include" && field != "exclude") return unknown(where);
                        auto rules = read_regexes(v, where);
                        if (!rules) return std::unexpected(rules.error());
                        (field == "include" ? upstream.tags.include : upstream.tags.exclude) =
                            std::move(*rules);
                        return {};
                      });
  } else if (name == "allow_push") {
    auto flag = bool_value(value, key);
    if (!flag) return std::unexpected(flag.error());
    upstream.allow_push = *flag;
  } else {
    return read_access(name, value, key, upstream.access);
  }
  return {};
}

}  // namespace

oci::Result<void> read_upstreams(const YAML::Node& node, const std::string& key,
                                 std::vector<mirror::Upstream>& out) {
  if (!node.IsSequence()) return std::unexpected(config_error(key + " must be a list"));
  out.clear();
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string where = fmt::format("{}[{}]", key, i);
    mirror::Upstream upstream;
    auto read =
        each_field(node[i], where,
                   [&](const std::string& name, const YAML::Node& value, const std::string& field) {
                     return read_field(name, value, field, upstream);
                   });
    if (!read) return read;
    if (upstream.url.empty()) return std::unexpected(config_error(where + " needs a url"));
    out.push_back(std::move(upstream));
  }
  return {};
}

}  // namespace server
