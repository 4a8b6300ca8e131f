#include "openshift/machine_config.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace openshift {
namespace {

TEST(MachineConfig, CarriesEveryFileAsABase64DataUrl) {
  const YAML::Node config = YAML::Load(machine_config_yaml(
      {{"etc/containers/policy.json", "{}"}, {"etc/containers/registries.conf", "a = 1\n"}},
      "worker"));
  EXPECT_EQ(config["metadata"]["name"].as<std::string>(), "99-worker-generated-registries");
  EXPECT_EQ(
      config["metadata"]["labels"]["machineconfiguration.openshift.io/role"].as<std::string>(),
      "worker");
  EXPECT_EQ(config["spec"]["config"]["ignition"]["version"].as<std::string>(), "3.2.0");
  const YAML::Node files = config["spec"]["config"]["storage"]["files"];
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0]["path"].as<std::string>(), "/etc/containers/policy.json");
  EXPECT_EQ(files[0]["contents"]["source"].as<std::string>(),
            "data:text/plain;charset=utf-8;base64,e30=");
  EXPECT_EQ(files[1]["mode"].as<int>(), 420);
  EXPECT_TRUE(files[1]["overwrite"].as<bool>());
}

}  // namespace
}  // namespace openshift
