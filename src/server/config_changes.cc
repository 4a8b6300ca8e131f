#include "server/config_changes.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <map>

namespace server {
namespace {

// Every leaf under `node` (a non-mapping value) by its dotted key, as YAML text.
void flatten(const YAML::Node& node, const std::string& key,
             std::map<std::string, std::string>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      std::string name = key;
      if (!name.empty()) name += '.';
      name += entry.first.as<std::string>();
      flatten(entry.second, name, out);
    }
    return;
  }
  if (!key.empty()) out[key] = YAML::Dump(node);
}

oci::Result<std::map<std::string, std::string>> leaves(std::string_view text) {
  std::map<std::string, std::string> out;
  try {
    flatten(YAML::Load(std::string(text)), "", out);
  } catch (const YAML::Exception& e) {
    return oci::fail(oci::ErrorCode::kInternal, e.what());
  }
  return out;
}

}  // namespace

oci::Result<std::vector<std::string>> changed_config_keys(std::string_view before,
                                                          std::string_view after) {
  auto old_leaves = leaves(before);
  if (!old_leaves) return std::unexpected(old_leaves.error());
  auto new_leaves = leaves(after);
  if (!new_leaves) return std::unexpected(new_leaves.error());
  std::vector<std::string> changed;
  for (const auto& [key, value] : *old_leaves) {
    auto it = new_leaves->find(key);
    if (it == new_leaves->end() || it->second != value) changed.push_back(key);
  }
  for (const auto& [key, value] : *new_leaves) {
    if (!old_leaves->contains(key)) changed.push_back(key);
  }
  std::ranges::sort(changed);
  return changed;
}

bool reloads_on_sighup(std::string_view key) {
  static constexpr std::array<std::string_view, 5> kLive = {
      "log.level", "auth.access", "auth.groups", "auth.admins", "auth.anonymous_pull"};
  // auth.groups is a mapping: its leaves are auth.groups.<name>.
  return std::ranges::any_of(kLive, [&](std::string_view live) {
    return key.starts_with(live) && (key.size() == live.size() || key[live.size()] == '.');
  });
}

}  // namespace server
