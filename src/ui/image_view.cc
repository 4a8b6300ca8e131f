#include "ui/image_view.h"

#include <algorithm>
#include <map>
#include <set>

#include "oci/attachment_tag.h"
#include "oci/name.h"
#include "ui/config_view.h"
#include "ui/json_fields.h"
#include "ui/manifest_summary.h"
#include "ui/view_text.h"

namespace ui {
namespace {

using nlohmann::json;

// What one view shows at most, however an index repeats or nests its children; past this it is
// cut short and says so (`truncated`).
constexpr std::size_t kMaxPlatforms = 1000;
constexpr std::size_t kMaxLayers = 1000;                           // over all platforms
constexpr std::size_t kMaxPlatformsBytes = std::size_t{32} << 20;  // the platforms' JSON text

// What is left of the limits while the platforms are listed.
struct Budget {
  std::size_t layers = kMaxLayers;
  std::size_t bytes = kMaxPlatformsBytes;
  bool truncated = false;

  // Appends `entry`, its layers cut to those left; false (and nothing appended) when its text
  // would pass the bytes left.
  bool append(json& platforms, json entry) {
    json& layers = entry["layers"];
    if (layers.is_array() && layers.size() > this->layers) {
      layers.erase(layers.begin() + static_cast<std::ptrdiff_t>(this->layers), layers.end());
      truncated = true;
    }
    const std::size_t size = dump(entry).size();
    if (size > bytes) {
      truncated = true;
      return false;
    }
    bytes -= size;
    if (layers.is_array()) this->layers -= layers.size();
    platforms.push_back(std::move(entry));
    return true;
  }
};

oci::Result<void> check_reference(std::string_view reference) {
  if (reference.find(':') != std::string_view::npos) {
    auto digest = oci::Digest::parse(reference);
    if (!digest) return std::unexpected(digest.error());
    return {};
  }
  if (!oci::is_valid_tag(reference)) {
    return oci::fail(oci::ErrorCode::kManifestInvalid, "invalid tag",
                     std::string(reference.substr(0, 256)));
  }
  return {};
}

json annotations_of(const json& annotations) {
  return annotations.is_object() ? annotations : json::object();
}

json layers_view(const LoadedManifest& image) {
  auto layers = json::array();
  for (const auto& layer : image.parsed.layers) {
    layers.push_back({{"digest", layer.digest.str()},
                      {"media_type", layer.media_type},
                      {"size", layer.size},
                      {"annotations", annotations_of(layer.annotations)}});
  }
  return layers;
}

// config, config_media_type (and config_error), layers and total_size of a held manifest.
oci::Result<void> add_contents(ManifestReader& reader, const LoadedManifest& image, json& entry) {
  const auto& config = image.parsed.config;
  entry["config"] = nullptr;
  entry["config_media_type"] = config ? json(config->media_type) : json(nullptr);
  if (config && is_image_config(config->media_type)) {
    const LoadedConfig loaded = reader.config(*config);
    if (loaded.json.is_null()) {
      entry["config_error"] = loaded.error;
    } else {
      entry["config"] = config_view(*config, loaded.json);
    }
  }
  entry["layers"] = layers_view(image);
  auto size = total_size(reader, image);
  if (!size) return std::unexpected(size.error());
  entry["total_size"] = *size;
  return {};
}

// The one entry of an image manifest: its own digest, the platform its config names.
oci::Result<json> image_platform_entry(ManifestReader& reader, const LoadedManifest& image) {
  json entry = {{"digest", image.digest},
                {"media_type", image.media_type},
                {"size", image.size},
                {"annotations", annotations_of(image.parsed.annotations)},
                {"missing", false}};
  if (auto added = add_contents(reader, image, entry); !added) {
    return std::unexpected(added.error());
  }
  // After the contents: the config was read for them, its platform kept.
  entry["platform"] = image_platform(reader, image).to_json();
  return entry;
}

// The entry of an index's i-th child: the descriptor's platform, the child's contents when
// this repository holds it (computed once per digest, in `contents`).
oci::Result<json> child_entry(ManifestReader& reader, const LoadedManifest& index, std::size_t i,
                              std::map<std::string, json, std::less<>>& contents) {
  const oci::Descriptor& descriptor = index.parsed.manifests[i];
  const std::string& digest = descriptor.digest.str();
  auto child = reader.held(digest);
  if (!child) return std::unexpected(child.error());
  json entry = {{"digest", digest},
                {"media_type", descriptor.media_type},
                {"size", descriptor.size},
                {"annotations", annotations_of(descriptor.annotations)},
                {"missing", *child == nullptr}};
  if (*child == nullptr) {
    entry["config"] = nullptr;
    entry["config_media_type"] = nullptr;
    entry["layers"] = nullptr;
    entry["total_size"] = descriptor.size;
  } else {
    auto known = contents.find(digest);
    if (known == contents.end()) {
      json computed = json::object();
      if (auto added = add_contents(reader, **child, computed); !added) {
        return std::unexpected(added.error());
      }
      known = contents.emplace(digest, std::move(computed)).first;
    }
    entry.update(known->second);
  }
  // After the contents: the child's config was read for them, its platform kept.
  auto platform = child_platform(reader, index, i);
  if (!platform) return std::unexpected(platform.error());
  entry["platform"] = platform->to_json();
  return entry;
}

oci::Result<json> platforms_view(ManifestReader& reader, const LoadedManifest& manifest,
                                 Budget& budget) {
  auto platforms = json::array();
  if (!manifest.is_index()) {
    auto entry = image_platform_entry(reader, manifest);
    if (!entry) return entry;
    budget.append(platforms, std::move(*entry));
    return platforms;
  }
  std::map<std::string, json, std::less<>> contents;  // by child digest
  const std::size_t children = manifest.parsed.manifests.size();
  if (children > kMaxPlatforms) budget.truncated = true;
  for (std::size_t i = 0; i < std::min(children, kMaxPlatforms); ++i) {
    auto entry = child_entry(reader, manifest, i, contents);
    if (!entry) return entry;
    if (!budget.append(platforms, std::move(*entry))) break;
  }
  return platforms;
}

// The referrers of `subject` (the referrers API's index), each marked with its subject.
oci::Result<void> add_referrers(registry::Registry& registry, const std::string& repository,
                                const std::string& subject, json& out) {
  auto index = registry.referrers(repository, subject, std::nullopt);
  if (!index) return std::unexpected(index.error());
  const json parsed = json::parse(*index, nullptr, false);
  const auto manifests = parsed.is_object() ? parsed.find("manifests") : parsed.end();
  if (manifests == parsed.end() || !manifests->is_array()) return {};
  for (const auto& descriptor : *manifests) {
    const auto size = descriptor.find("size");
    out.push_back({{"digest", string_member(descriptor, "digest")},
                   {"media_type", string_member(descriptor, "mediaType")},
                   {"artifact_type", string_member(descriptor, "artifactType")},
                   {"size", size != descriptor.end() && size->is_number() ? *size : json(0)},
                   {"annotations", object_member(descriptor, "annotations")},
                   {"subject", subject}});
  }
  return {};
}

// The referrers of the manifest and of its distinct children (of the first kMaxPlatforms).
oci::Result<json> referrers_view(ManifestReader& reader, const LoadedManifest& manifest) {
  auto referrers = json::array();
  std::set<std::string, std::less<>> subjects{manifest.digest};
  auto added = add_referrers(reader.registry(), reader.repository(), manifest.digest, referrers);
  const auto& children = manifest.parsed.manifests;
  for (std::size_t i = 0; added && i < std::min(children.size(), kMaxPlatforms); ++i) {
    const std::string& subject = children[i].digest.str();
    if (!subjects.insert(subject).second) continue;
    added = add_referrers(reader.registry(), reader.repository(), subject, referrers);
  }
  if (!added) return std::unexpected(added.error());
  return referrers;
}

// The cosign-scheme tags of `digest` this repository holds.
oci::Result<json> signatures_view(ManifestReader& reader, const std::string& digest) {
  auto signatures = json::array();
  for (const std::string_view kind : oci::kAttachmentKinds) {
    const std::string tag = oci::attachment_tag(digest, kind);
    auto attached = reader.manifest(tag);
    if (!attached && attached.error().code == oci::ErrorCode::kManifestUnknown) continue;
    if (!attached) return std::unexpected(attached.error());
    signatures.push_back({{"tag", tag}, {"digest", (*attached)->digest}, {"kind", kind}});
  }
  return signatures;
}

}  // namespace

oci::Result<std::string> image_view(registry::Registry& registry, std::string_view repository,
                                    std::string_view reference, Actions actions) {
  auto exists = registry.repository_exists(repository);
  if (!exists) return std::unexpected(exists.error());
  if (auto checked = check_reference(reference); !checked) {
    return std::unexpected(checked.error());
  }
  if (!*exists) {
    return oci::fail(oci::ErrorCode::kNameUnknown, "repository name not known to registry",
                     std::string(repository));
  }
  ManifestReader reader(registry, std::string(repository));
  auto found = reader.manifest(reference);
  if (!found) return std::unexpected(found.error());
  const LoadedManifest& manifest = **found;

  auto size = total_size(reader, manifest);
  if (!size) return std::unexpected(size.error());
  Budget budget;
  auto platforms = platforms_view(reader, manifest, budget);
  if (!platforms) return std::unexpected(platforms.error());
  auto referrers = referrers_view(reader, manifest);
  if (!referrers) return std::unexpected(referrers.error());
  auto signatures = signatures_view(reader, manifest.digest);
  if (!signatures) return std::unexpected(signatures.error());
  const auto& subject = manifest.parsed.subject;
  return dump({{"repository", std::string(repository)},
               {"reference", std::string(reference)},
               {"digest", manifest.digest},
               {"media_type", manifest.media_type},
               {"artifact_type", artifact_type(manifest)},
               {"size", manifest.size},
               {"total_size", *size},
               {"annotations", annotations_of(manifest.parsed.annotations)},
               {"subject", subject ? json(subject->digest.str()) : json(nullptr)},
               {"manifest", manifest.json},
               {"actions", Actions::offered(actions, registry.options()).to_json()},
               {"platforms", std::move(*platforms)},
               {"referrers", std::move(*referrers)},
               {"signatures", std::move(*signatures)},
               {"truncated", budget.truncated}});
}

}  // namespace ui
