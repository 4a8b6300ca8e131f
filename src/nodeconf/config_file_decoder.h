// registries.conf TOML -> the fields containers/image decodes (v2 and v1 keys side by side),
// before any validation. A field is nullopt when its key is absent: the v1/v2 detection and
// the drop-in merge tell "absent" from "empty".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nodeconf/registries_conf.h"
#include "oci/error.h"

namespace nodeconf {

struct DecodedV1Tables {  // [registries.search], [registries.insecure], [registries.block]
  std::optional<std::vector<std::string>> search;
  std::optional<std::vector<std::string>> insecure;
  std::optional<std::vector<std::string>> block;
};

struct DecodedConfigFile {
  std::optional<std::vector<Registry>> registries;
  std::optional<std::vector<std::string>> unqualified_search_registries;
  std::optional<std::vector<std::string>> credential_helpers;
  std::string short_name_mode;
  // containers/image 5.29+; the resolver (5.23) ignores it, the MCO renderer keeps it.
  std::string additional_layer_store_auth_helper;
  std::optional<std::map<std::string, std::string>> aliases;
  DecodedV1Tables v1;
};

// Errors read "SOURCE:LINE:COLUMN: what". Unknown keys are ignored; known keys match
// case-insensitively when no exact spelling is present, as BurntSushi/toml does.
oci::Result<DecodedConfigFile> decode_config_file(std::string_view text, std::string_view source);

}  // namespace nodeconf
