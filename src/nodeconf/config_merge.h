// How containers/image combines registries.conf with the registries.conf.d drop-ins: a
// drop-in replaces whole [[registry]] entries by prefix (mirrors are not merged) and aliases
// by name; unqualified-search-registries, credential-helpers and short-name-mode replace the
// earlier value only when the drop-in sets them (an explicit [] does clear the list).
#pragma once

#include <optional>
#include <vector>

#include "nodeconf/config_file.h"
#include "nodeconf/registries_conf.h"

namespace nodeconf {

// `main` is nullopt when the (optional) system file does not exist. Drop-ins are applied
// in the order given, later ones winning.
RegistriesConf merge_config_files(std::optional<ConfigFile> main, std::vector<ConfigFile> drop_ins,
                                  ConfigSources sources);

}  // namespace nodeconf
