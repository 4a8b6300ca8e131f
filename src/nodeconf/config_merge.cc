#include "nodeconf/config_merge.h"

#include <map>
#include <string>

namespace nodeconf {
namespace {

constexpr std::string_view kAuthFileCredentialHelper = "containers-auth.json";

class Merger {
 public:
  void apply(ConfigFile file) {
    for (Registry& registry : file.registries) {
      registries_.insert_or_assign(registry.prefix, std::move(registry));
    }
    if (file.unqualified_search_registries) {
      merged_.unqualified_search_registries = std::move(*file.unqualified_search_registries);
      merged_.unqualified_search_registries_origin = file.path;
    }
    if (file.credential_helpers) merged_.credential_helpers = std::move(*file.credential_helpers);
    if (file.short_name_mode) merged_.short_name_mode = *file.short_name_mode;
    for (auto& [name, alias] : file.aliases)
      merged_.aliases.insert_or_assign(name, std::move(alias));
  }

  RegistriesConf finish(ConfigSources sources) && {
    for (auto& [prefix, registry] : registries_) merged_.registries.push_back(std::move(registry));
    if (merged_.credential_helpers.empty()) {
      merged_.credential_helpers.emplace_back(kAuthFileCredentialHelper);
    }
    merged_.sources = std::move(sources);
    return std::move(merged_);
  }

 private:
  std::map<std::string, Registry> registries_;  // byte order, as Go's sort.Strings
  RegistriesConf merged_;
};

}  // namespace

RegistriesConf merge_config_files(std::optional<ConfigFile> main, std::vector<ConfigFile> drop_ins,
                                  ConfigSources sources) {
  Merger merger;
  if (main) {
    // The main file is the origin of the (possibly empty) search list even without the key.
    if (!main->unqualified_search_registries) main->unqualified_search_registries.emplace();
    merger.apply(std::move(*main));
  }
  for (ConfigFile& drop_in : drop_ins) merger.apply(std::move(drop_in));
  return std::move(merger).finish(std::move(sources));
}

}  // namespace nodeconf
