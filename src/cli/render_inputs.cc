#include "cli/render_inputs.h"

#include <algorithm>
#include <filesystem>

#include "nodeconf/config_text_reader.h"
#include "openshift/yaml_reader.h"
#include "sys/small_file.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

bool is_manifest(const fs::path& path) {
  const std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

oci::Result<std::vector<fs::path>> expand(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return std::vector<fs::path>{path};
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.is_regular_file() && is_manifest(entry.path())) files.push_back(entry.path());
  }
  if (ec) return oci::fail(oci::ErrorCode::kNotFound, "reading " + path + ": " + ec.message());
  std::ranges::sort(files);
  return files;
}

}  // namespace

oci::Result<std::string> read_text_file(const std::string& path) {
  auto text = sys::read_small_file(path, nodeconf::kMaxConfigFileBytes);
  if (!text) {
    return oci::fail(text.error().code == sys::Errc::kNotFound ? oci::ErrorCode::kNotFound
                                                               : oci::ErrorCode::kInternal,
                     text.error().message);
  }
  return std::move(*text);
}

oci::Result<openshift::ClusterObjects> read_render_inputs(const std::vector<std::string>& paths) {
  openshift::ClusterObjects objects;
  for (const std::string& path : paths) {
    auto files = expand(path);
    if (!files) return std::unexpected(files.error());
    for (const fs::path& file : *files) {
      auto text = read_text_file(file.string());
      if (!text) return std::unexpected(text.error());
      if (auto ok = openshift::read_cluster_objects(*text, file.string(), objects); !ok) {
        return std::unexpected(ok.error());
      }
    }
  }
  return objects;
}

}  // namespace cli
