// Writes a registries.conf v2 model as TOML text, laid out as the machine-config operator
// writes it (Go's BurntSushi/toml encoder over containers/image's V2RegistriesConf): plain
// keys first, then the [[registry]] tables indented by two spaces, their [[registry.mirror]]
// tables by four, then [aliases]; false booleans and empty strings of omitempty fields left out.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nodeconf/registries_conf.h"

namespace nodeconf {

// What a generated registries.conf holds; the rest of RegistriesConf is what loading adds.
struct RegistriesConfDocument {
  std::optional<std::vector<std::string>> unqualified_search_registries;  // nullopt: left out
  std::vector<Registry> registries;                                       // written in this order
  std::optional<std::vector<std::string>> credential_helpers;             // nullopt: key left out
  std::string short_name_mode;  // "", "disabled", "permissive" or "enforcing"
  // nullopt: the key is not in the encoder's struct (containers/image before 5.30, in MCO
  // releases before 4.19); else written, "" included, as it has no omitempty either.
  std::optional<std::string> additional_layer_store_auth_helper;
  // [aliases]: short name -> fully qualified repository, "" resetting an earlier alias.
  // nullopt: no [aliases] table; an empty one is written as an empty table.
  std::optional<std::map<std::string, std::string>> aliases;
};

std::string write_registries_conf(const RegistriesConfDocument& document);

// A TOML basic string with the quotes, escaped as the Go encoder escapes it.
std::string toml_quote(std::string_view text);

}  // namespace nodeconf
