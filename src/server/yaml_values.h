// The YAML values config readers share: a string, or a string or list of strings, with an
// error that names the key.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "oci/error.h"

namespace server {

oci::Result<std::string> string_value(const YAML::Node& node, const std::string& key);
// A string or a list of strings (one subject, one action...) as a list.
oci::Result<std::vector<std::string>> string_list(const YAML::Node& node, const std::string& key);
// "true" or "false".
oci::Result<bool> bool_value(const YAML::Node& node, const std::string& key);

}  // namespace server
