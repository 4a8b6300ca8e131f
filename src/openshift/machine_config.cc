#include "openshift/machine_config.h"

#include <yaml-cpp/yaml.h>

#include "oci/base64.h"

namespace openshift {
namespace {

constexpr int kRegularFileMode = 0644;  // written as 420, the decimal Ignition expects

}  // namespace

std::string machine_config_name(const std::string& role) {
  return "99-" + role + "-generated-registries";
}

std::string machine_config_yaml(const std::map<std::string, std::string>& files,
                                const std::string& role) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "machineconfiguration.openshift.io/v1";
  out << YAML::Key << "kind" << YAML::Value << "MachineConfig";
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap << YAML::Key
      << "machineconfiguration.openshift.io/role" << YAML::Value << role << YAML::EndMap;
  out << YAML::Key << "name" << YAML::Value << machine_config_name(role);
  out << YAML::EndMap;
  out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "config" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "ignition" << YAML::Value << YAML::BeginMap << YAML::Key << "version"
      << YAML::Value << "3.2.0" << YAML::EndMap;
  out << YAML::Key << "storage" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "files" << YAML::Value << YAML::BeginSeq;
  for (const auto& [path, content] : files) {
    out << YAML::BeginMap;
    out << YAML::Key << "contents" << YAML::Value << YAML::BeginMap << YAML::Key << "source"
        << YAML::Value << "data:text/plain;charset=utf-8;base64," + oci::base64_encode(content)
        << YAML::EndMap;
    out << YAML::Key << "mode" << YAML::Value << kRegularFileMode;
    out << YAML::Key << "overwrite" << YAML::Value << true;
    out << YAML::Key << "path" << YAML::Value << "/" + path;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace openshift
