// Table-driven over testdata/: render/<case>/input.yaml must render exactly the files under
// render/<case>/expected/ (options, when present, holds one `regmirror render` flag per line
// without its dashes; a base-registries-conf file is relative to the case);
// errors/<case>.yaml must fail with the message its first line gives ("# error: ...").
// REGMIRROR_UPDATE_GOLDEN=1 rewrites the expected trees.
#include "openshift/node_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "openshift/yaml_reader.h"

namespace openshift {
namespace {

namespace fs = std::filesystem;
const fs::path kTestdata = fs::path(REGMIRROR_SOURCE_DIR) / "src/openshift/testdata";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

RenderOptions read_options(const fs::path& file) {
  RenderOptions options;
  std::istringstream lines(fs::exists(file) ? read_text(file) : "");
  for (std::string line; std::getline(lines, line);) {
    if (line == "legacy-icsp") options.legacy_icsp = true;
    if (line.starts_with("payload-repo=")) options.payload_repo = line.substr(13);
    if (line.starts_with("mco-release=")) {
      options.mco_release = parse_mco_release(line.substr(12)).value();
    }
    if (line.starts_with("base-registries-conf=")) {
      options.base_registries_conf_name = line.substr(21);
      options.base_registries_conf = read_text(file.parent_path() / line.substr(21));
    }
  }
  return options;
}

std::map<std::string, std::string> read_tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  if (!fs::exists(root)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) {
      files[fs::relative(entry.path(), root).generic_string()] = read_text(entry.path());
    }
  }
  return files;
}

void write_tree(const fs::path& root, const std::map<std::string, std::string>& files) {
  fs::remove_all(root);
  for (const auto& [path, content] : files) {
    fs::create_directories((root / path).parent_path());
    std::ofstream(root / path, std::ios::binary) << content;
  }
}

oci::Result<NodeFiles> render_file(const fs::path& input, const RenderOptions& options) {
  ClusterObjects objects;
  if (auto ok = read_cluster_objects(read_text(input), input.filename().string(), objects); !ok) {
    return std::unexpected(ok.error());
  }
  return render_node_files(objects, options);
}

std::vector<fs::path> case_paths(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path());
  std::ranges::sort(out);
  return out;
}

TEST(NodeFiles, GoldenCases) {
  const bool update = std::getenv("REGMIRROR_UPDATE_GOLDEN") != nullptr;
  for (const fs::path& dir : case_paths(kTestdata / "render")) {
    SCOPED_TRACE(dir.filename().string());
    auto rendered = render_file(dir / "input.yaml", read_options(dir / "options"));
    ASSERT_TRUE(rendered) << rendered.error().message;
    if (update) write_tree(dir / "expected", rendered->files);
    const auto expected = read_tree(dir / "expected");
    ASSERT_EQ(rendered->files.size(), expected.size());
    for (const auto& [path, content] : expected) {
      EXPECT_EQ(rendered->files[path], content) << path;
    }
  }
}

TEST(NodeFiles, ErrorCases) {
  for (const fs::path& file : case_paths(kTestdata / "errors")) {
    SCOPED_TRACE(file.filename().string());
    std::string first_line = read_text(file);
    first_line = first_line.substr(0, first_line.find('\n'));
    ASSERT_TRUE(first_line.starts_with("# error: "));
    auto rendered = render_file(file, {});
    ASSERT_FALSE(rendered);
    EXPECT_NE(rendered.error().message.find(first_line.substr(9)), std::string::npos)
        << rendered.error().message;
  }
}

// createNewIgnition (the MCO's container-runtime-config helpers.go) leaves out files it did
// not generate; CAs travel in the ControllerConfig, not the MachineConfig.
TEST(NodeFiles, MachineConfigCarriesOnlyRegeneratedFiles) {
  using Paths = std::set<std::string>;
  auto paths = [](const char* name) {
    auto rendered = render_file(kTestdata / "render" / name / "input.yaml",
                                read_options(kTestdata / "render" / name / "options"));
    EXPECT_TRUE(rendered) << name;
    return rendered ? rendered->machine_config_paths : Paths{};
  };
  EXPECT_EQ(paths("untouched-allowed-only"), Paths{std::string(kPolicyJsonPath)});
  EXPECT_EQ(paths("untouched-ca-only-base"), Paths{std::string(kSearchRegistriesPath)});
  EXPECT_EQ(paths("icsp-docs"), Paths{std::string(kRegistriesConfPath)});
  EXPECT_EQ(paths("image-allowed-insecure-ca"),
            (Paths{std::string(kRegistriesConfPath), std::string(kPolicyJsonPath)}));
}

}  // namespace
}  // namespace openshift
