#include "server/yaml_values.h"

namespace server {

oci::Result<std::string> string_value(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar())
    return oci::fail(oci::ErrorCode::kInternal, "config: " + key + " must be a string");
  return node.Scalar();
}

oci::Result<std::vector<std::string>> string_list(const YAML::Node& node, const std::string& key) {
  if (node.IsScalar()) return std::vector<std::string>{node.Scalar()};
  if (!node.IsSequence()) {
    return oci::fail(oci::ErrorCode::kInternal, "config: " + key + " must be a list of strings");
  }
  std::vector<std::string> values;
  for (const auto& item : node) {
    auto value = string_value(item, key);
    if (!value) return std::unexpected(value.error());
    values.push_back(std::move(*value));
  }
  return values;
}

oci::Result<bool> bool_value(const YAML::Node& node, const std::string& key) {
  if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false")) {
    return node.Scalar() == "true";
  }
  return oci::fail(oci::ErrorCode::kInternal, "config: " + key + " must be true or false");
}

}  // namespace server
