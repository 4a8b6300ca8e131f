#include "sync/mirror_sets.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <set>

#include "transfer/small_file.h"

namespace imagesync {
namespace {

// source -> mirrors in first-seen order, without duplicates.
std::map<std::string, std::vector<std::string>> group(const std::vector<MirrorPair>& pairs,
                                                      bool tags_only) {
  std::map<std::string, std::vector<std::string>> grouped;
  for (const auto& pair : pairs) {
    if (tags_only && !pair.by_tag) continue;
    auto& mirrors = grouped[pair.source];
    if (std::find(mirrors.begin(), mirrors.end(), pair.mirror) == mirrors.end()) {
      mirrors.push_back(pair.mirror);
    }
  }
  return grouped;
}

std::string emit(std::string_view api_version, std::string_view kind, std::string_view name,
                 std::string_view list_field,
                 const std::map<std::string, std::vector<std::string>>& grouped) {
  YAML::Emitter out;
  out << YAML::Comment("Written by regmirror sync.");
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << std::string(api_version);
  out << YAML::Key << "kind" << YAML::Value << std::string(kind);
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << std::string(name) << YAML::EndMap;
  out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << std::string(list_field) << YAML::Value << YAML::BeginSeq;
  for (const auto& [source, mirrors] : grouped) {
    out << YAML::BeginMap;
    out << YAML::Key << "source" << YAML::Value << source;
    out << YAML::Key << "mirrors" << YAML::Value << YAML::BeginSeq;
    for (const auto& mirror : mirrors) out << mirror;
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace

std::string image_digest_mirror_set(const std::vector<MirrorPair>& pairs, std::string_view name) {
  return emit("config.openshift.io/v1", "ImageDigestMirrorSet", name, "imageDigestMirrors",
              group(pairs, false));
}

std::string image_tag_mirror_set(const std::vector<MirrorPair>& pairs, std::string_view name) {
  return emit("config.openshift.io/v1", "ImageTagMirrorSet", name, "imageTagMirrors",
              group(pairs, true));
}

std::string image_content_source_policy(const std::vector<MirrorPair>& pairs,
                                        std::string_view name) {
  return emit("operator.openshift.io/v1alpha1", "ImageContentSourcePolicy", name,
              "repositoryDigestMirrors", group(pairs, false));
}

std::string destination_directory(std::string_view destination) {
  std::string out(destination);
  for (char& c : out) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    if (!keep) c = '_';
  }
  return out;
}

oci::Result<std::vector<MirrorSetFile>> mirror_set_files(
    const std::vector<DestinationMirrors>& destinations, const MirrorSetOptions& options) {
  std::vector<MirrorSetFile> files;
  std::map<std::string, std::string> directories;  // directory -> destination
  for (const auto& destination : destinations) {
    std::filesystem::path directory;
    if (destinations.size() > 1) {
      const std::string name = destination_directory(destination.destination);
      auto [it, fresh] = directories.emplace(name, destination.destination);
      if (!fresh && it->second != destination.destination) {
        return oci::fail(oci::ErrorCode::kInternal,
                         fmt::format("destinations {} and {} would share the directory {}",
                                     it->second, destination.destination, name));
      }
      directory = name;
    }
    if (destination.pairs.empty()) continue;
    files.push_back({directory / "imagedigestmirrorset.yaml",
                     image_digest_mirror_set(destination.pairs, options.name)});
    const bool any_tag = std::any_of(destination.pairs.begin(), destination.pairs.end(),
                                     [](const MirrorPair& p) { return p.by_tag; });
    if (any_tag) {
      files.push_back({directory / "imagetagmirrorset.yaml",
                       image_tag_mirror_set(destination.pairs, options.name)});
    }
    if (options.icsp) {
      files.push_back({directory / "imagecontentsourcepolicy.yaml",
                       image_content_source_policy(destination.pairs, options.name)});
    }
  }
  return files;
}

oci::Result<void> write_mirror_set_files(const std::filesystem::path& directory,
                                         const std::vector<MirrorSetFile>& files) {
  for (const auto& file : files) {
    const auto path = directory / file.path;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return oci::fail(
          oci::ErrorCode::kInternal,
          fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()));
    }
    if (auto written = transfer::write_file_atomically(path, file.content); !written) {
      return oci::fail(written.error().code,
                       fmt::format("cannot write {}: {}", path.string(), written.error().message));
    }
  }
  return {};
}

}  // namespace imagesync
