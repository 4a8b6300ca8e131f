#include "nodeconf/v1_format.h"

#include <map>
#include <vector>

#include "nodeconf/registry_validation.h"

namespace nodeconf {
namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const std::string& part : parts) joined += (joined.empty() ? "" : ", ") + part;
  return joined;
}

std::vector<std::string> v1_table_names(const DecodedV1Tables& v1) {
  std::vector<std::string> names;
  if (v1.search) names.emplace_back("[registries.search]");
  if (v1.insecure) names.emplace_back("[registries.insecure]");
  if (v1.block) names.emplace_back("[registries.block]");
  return names;
}

std::vector<std::string> v2_key_names(const DecodedConfigFile& file) {
  std::vector<std::string> names;
  if (file.registries) names.emplace_back("[[registry]]");
  if (file.unqualified_search_registries) names.emplace_back("unqualified-search-registries");
  if (file.credential_helpers) names.emplace_back("credential-helpers");
  if (!file.short_name_mode.empty()) names.emplace_back("short-name-mode");
  if (file.aliases) names.emplace_back("[aliases]");
  return names;
}

}  // namespace

bool has_v1_tables(const DecodedConfigFile& file) { return !v1_table_names(file.v1).empty(); }

bool has_v2_keys(const DecodedConfigFile& file) { return !v2_key_names(file).empty(); }

std::string mixing_v1_v2_error(const DecodedConfigFile& file) {
  return "mixing sysregistry v1/v2 is not supported: v1 " + join(v1_table_names(file.v1)) +
         " together with v2 " + join(v2_key_names(file));
}

oci::Result<void> convert_v1_to_v2(DecodedConfigFile& file) {
  std::vector<Registry> registries;
  std::map<std::string, std::size_t> index_by_location;
  auto entry_for = [&](const std::string& listed) -> oci::Result<Registry*> {
    auto location = parse_location(listed);
    if (!location) return std::unexpected(location.error());
    auto [it, added] = index_by_location.try_emplace(*location, registries.size());
    if (added) {
      Registry entry;
      entry.prefix = *location;
      entry.endpoint.location = *location;
      registries.push_back(std::move(entry));
    }
    return &registries[it->second];
  };
  for (const std::string& listed : file.v1.block.value_or(std::vector<std::string>{})) {
    auto entry = entry_for(listed);
    if (!entry) return std::unexpected(entry.error());
    (*entry)->blocked = true;
  }
  for (const std::string& listed : file.v1.insecure.value_or(std::vector<std::string>{})) {
    auto entry = entry_for(listed);
    if (!entry) return std::unexpected(entry.error());
    (*entry)->endpoint.insecure = true;
  }
  file.registries = std::move(registries);
  file.unqualified_search_registries = file.v1.search;
  file.v1 = {};
  return {};
}

}  // namespace nodeconf
