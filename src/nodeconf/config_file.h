// One registries.conf file, decoded and validated as containers/image's loadConfigFile does:
// TOML, v1 detection and conversion, [[registry]] checks, short-name mode, wildcard
// prefixes, aliases, in that order.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nodeconf/registries_conf.h"
#include "oci/error.h"

namespace nodeconf {

enum class FileRole {
  kMain,    // registries.conf: may be v1, converted
  kDropIn,  // registries.conf.d/*.conf: must be v2
};

struct ConfigFile {
  std::string path;
  std::vector<Registry> registries;  // one per prefix, sorted by prefix
  // nullopt when the key is absent: a drop-in then keeps the earlier value.
  std::optional<std::vector<std::string>> unqualified_search_registries;
  std::optional<std::vector<std::string>> credential_helpers;
  std::optional<ShortNameMode> short_name_mode;
  AliasTable aliases;
};

// `path` names the file in errors and alias origins. Errors are containers/image's texts,
// without the "loading registries configuration" wrapper.
oci::Result<ConfigFile> parse_config_file(std::string_view text, std::string_view path,
                                          FileRole role);

}  // namespace nodeconf
