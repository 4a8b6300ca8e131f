#include "ui/manifest_summary.h"

#include <algorithm>
#include <set>

#include "ui/json_fields.h"

namespace ui {
namespace {

// An index of indexes of indexes is as deep as sizes are followed.
constexpr int kMaxNesting = 3;

class SizeSum {
 public:
  explicit SizeSum(ManifestReader& reader) : reader_(reader) {}

  oci::Result<void> add(const LoadedManifest& manifest, int depth) {
    count(manifest.digest, manifest.size);
    if (manifest.parsed.config) count(*manifest.parsed.config);
    for (const auto& layer : manifest.parsed.layers) count(layer);
    if (depth >= kMaxNesting) return {};
    for (const auto& child : manifest.parsed.manifests) {
      auto held = reader_.held(child.digest.str());
      if (!held) return std::unexpected(held.error());
      if (*held != nullptr) {
        if (auto added = add(**held, depth + 1); !added) return added;
      }
    }
    return {};
  }
  std::uint64_t total() const { return total_; }

 private:
  void count(const oci::Descriptor& descriptor) {
    count(descriptor.digest.str(), static_cast<std::uint64_t>(descriptor.size));
  }
  void count(const std::string& digest, std::uint64_t size) {
    if (seen_.insert(digest).second) total_ += size;
  }

  ManifestReader& reader_;
  std::set<std::string> seen_;
  std::uint64_t total_ = 0;
};

void add_platform(std::vector<std::string>& platforms, const Platform& platform) {
  const std::string text = platform.text();
  if (text.empty() || text == kUnknownPlatform) return;
  if (std::ranges::find(platforms, text) == platforms.end()) platforms.push_back(text);
}

}  // namespace

std::string artifact_type(const LoadedManifest& manifest) {
  std::string declared = string_member(manifest.json, "artifactType");
  if (!declared.empty()) return declared;
  const auto& config = manifest.parsed.config;
  if (config && !is_image_config(config->media_type)) return config->media_type;
  return {};
}

Platform image_platform(ManifestReader& reader, const LoadedManifest& image) {
  const auto& config = image.parsed.config;
  if (!config || !is_image_config(config->media_type)) return {};
  return Platform::from_json(reader.config(*config).json);
}

oci::Result<std::uint64_t> total_size(ManifestReader& reader, const LoadedManifest& manifest) {
  SizeSum sum(reader);
  if (auto added = sum.add(manifest, 0); !added) return std::unexpected(added.error());
  return sum.total();
}

oci::Result<ManifestSummary> summarize(ManifestReader& reader, const LoadedManifest& manifest) {
  ManifestSummary summary;
  summary.artifact_type = artifact_type(manifest);
  auto size = total_size(reader, manifest);
  if (!size) return std::unexpected(size.error());
  summary.total_size = *size;
  if (!manifest.is_index()) {
    add_platform(summary.platforms, image_platform(reader, manifest));
    return summary;
  }
  for (std::size_t i = 0; i < manifest.parsed.manifests.size(); ++i) {
    const nlohmann::json& described = manifest.child_json(i);
    if (described.is_object() && described.contains("platform")) {
      add_platform(summary.platforms, Platform::from_json(described["platform"]));
      continue;
    }
    auto child = reader.held(manifest.parsed.manifests[i].digest.str());
    if (!child) return std::unexpected(child.error());
    if (*child != nullptr && !(*child)->is_index()) {
      add_platform(summary.platforms, image_platform(reader, **child));
    }
  }
  return summary;
}

}  // namespace ui
