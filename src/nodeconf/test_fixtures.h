// For the unit tests: the registries.conf fixtures in testdata/registries/, one per
// situation, each NAME.conf with its drop-ins (if any) in NAME.conf.d/.
#pragma once

#include <filesystem>
#include <string>

#include "nodeconf/registries_conf_loader.h"

namespace nodeconf::testing_fixtures {

inline std::filesystem::path fixture_dir() {
  return std::filesystem::path(REGMIRROR_SOURCE_DIR) / "src/nodeconf/testdata" / "registries";
}

inline ConfigLocation fixture_location(const std::string& name) {
  const std::filesystem::path file = fixture_dir() / name;
  return ConfigLocation{
      .file = file, .dropin_dir = file.string() + ".d", .file_is_optional = false};
}

inline oci::Result<RegistriesConf> load_fixture(const std::string& name) {
  return load_registries_conf(fixture_location(name));
}

}  // namespace nodeconf::testing_fixtures
