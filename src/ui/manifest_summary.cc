#include "ui/manifest_summary.h"

#include <set>

#include "ui/json_fields.h"

namespace ui {
namespace {

// An index of indexes of indexes is as deep as sizes are followed.
constexpr int kMaxNesting = 3;

// Counts each distinct digest once and reads each distinct manifest once, level by level, so
// that an index naming the same child many times (or nesting the same index) costs what its
// distinct manifests cost; level by level, a manifest is first met at its least depth.
class SizeSum {
 public:
  explicit SizeSum(ManifestReader& reader) : reader_(reader) {}

  oci::Result<void> add(const LoadedManifest& root) {
    visited_.insert(root.digest);
    std::vector<const LoadedManifest*> level{&root};
    for (int depth = 0; !level.empty(); ++depth) {
      std::vector<const LoadedManifest*> next;
      for (const LoadedManifest* manifest : level) {
        const auto& parsed = manifest->parsed;
        auto followed = reader_.follow(1 + parsed.layers.size() + parsed.manifests.size());
        if (!followed) return followed;
        count(manifest->digest, manifest->size);
        if (manifest->parsed.config) count(*manifest->parsed.config);
        for (const auto& layer : manifest->parsed.layers) count(layer);
        if (depth >= kMaxNesting) continue;
        for (const auto& child : manifest->parsed.manifests) {
          if (!visited_.insert(child.digest.str()).second) continue;
          auto held = reader_.held(child.digest.str());
          if (!held) return std::unexpected(held.error());
          if (*held != nullptr) next.push_back(*held);
        }
      }
      level = std::move(next);
    }
    return {};
  }
  std::uint64_t total() const { return total_; }

 private:
  void count(const oci::Descriptor& descriptor) {
    count(descriptor.digest.str(), static_cast<std::uint64_t>(descriptor.size));
  }
  void count(const std::string& digest, std::uint64_t size) {
    if (!seen_.insert(digest).second) return;
    total_ = size > kMaxTotalSize - total_ ? kMaxTotalSize : total_ + size;
  }

  ManifestReader& reader_;
  std::set<std::string> seen_;     // digests counted
  std::set<std::string> visited_;  // manifests read (or found missing)
  std::uint64_t total_ = 0;
};

// The platforms of a summary in first-seen order, each once.
class PlatformList {
 public:
  void add(const Platform& platform) {
    std::string text = platform.text();
    if (text.empty() || text == kUnknownPlatform || !seen_.insert(text).second) return;
    platforms_.push_back(std::move(text));
  }
  std::vector<std::string> take() { return std::move(platforms_); }

 private:
  std::set<std::string, std::less<>> seen_;
  std::vector<std::string> platforms_;
};

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
  return reader.config_platform(*config);
}

oci::Result<Platform> child_platform(ManifestReader& reader, const LoadedManifest& index,
                                     std::size_t i) {
  Platform described = Platform::from_json(object_member(index.child_json(i), "platform"));
  if (!described.os.empty()) return described;
  auto child = reader.held(index.parsed.manifests[i].digest.str());
  if (!child) return std::unexpected(child.error());
  if (*child == nullptr || (*child)->is_index()) return described;
  return image_platform(reader, **child);
}

oci::Result<std::uint64_t> total_size(ManifestReader& reader, const LoadedManifest& manifest) {
  SizeSum sum(reader);
  if (auto added = sum.add(manifest); !added) return std::unexpected(added.error());
  return sum.total();
}

oci::Result<ManifestSummary> summarize(ManifestReader& reader, const LoadedManifest& manifest) {
  ManifestSummary summary;
  summary.artifact_type = artifact_type(manifest);
  auto size = total_size(reader, manifest);
  if (!size) return std::unexpected(size.error());
  summary.total_size = *size;
  PlatformList platforms;
  if (!manifest.is_index()) {
    platforms.add(image_platform(reader, manifest));
    summary.platforms = platforms.take();
    return summary;
  }
  for (std::size_t i = 0; i < manifest.parsed.manifests.size(); ++i) {
    auto platform = child_platform(reader, manifest, i);
    if (!platform) return std::unexpected(platform.error());
    platforms.add(*platform);
  }
  summary.platforms = platforms.take();
  return summary;
}

}  // namespace ui
