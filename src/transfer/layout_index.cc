#include "transfer/layout_index.h"

#include <algorithm>

#include "oci/media_type.h"

namespace transfer {
namespace {

// The members Descriptor::to_json writes; everything else on an entry ("platform", "urls", ...)
// is kept aside.
constexpr std::string_view kDescriptorMembers[] = {"mediaType", "digest", "size", "artifactType",
                                                   "annotations"};

nlohmann::json extra_members(const nlohmann::json& entry) {
  nlohmann::json extra = nlohmann::json::object();
  for (const auto& [key, value] : entry.items()) {
    if (std::ranges::find(kDescriptorMembers, key) == std::end(kDescriptorMembers)) {
      extra[key] = value;
    }
  }
  return extra;
}

}  // namespace

std::string ref_name(const oci::Descriptor& entry) {
  if (!entry.annotations.is_object()) return {};
  const auto it = entry.annotations.find(kRefNameAnnotation);
  return it != entry.annotations.end() && it->is_string() ? it->get<std::string>() : std::string();
}

LayoutIndex::LayoutIndex()
    : document_({{"schemaVersion", 2}, {"mediaType", oci::media_type::kOciIndex}}) {}

oci::Result<LayoutIndex> LayoutIndex::parse(std::string_view text) {
  auto index = oci::parse_manifest(text, oci::media_type::kOciIndex);
  if (!index) {
    return oci::fail(index.error().code, "index.json: " + index.error().message);
  }
  if (index->kind != oci::media_type::ManifestKind::kIndex) {
    return oci::fail(oci::ErrorCode::kManifestInvalid, "index.json: not an image index");
  }
  LayoutIndex parsed;
  parsed.document_ = nlohmann::json::parse(text);  // parse_manifest accepted it
  const nlohmann::json entries = std::move(parsed.document_["manifests"]);
  parsed.document_.erase("manifests");
  parsed.entries_ = std::move(index->manifests);
  for (const nlohmann::json& entry : entries) parsed.extra_.push_back(extra_members(entry));
  return parsed;
}

std::string LayoutIndex::serialize() const {
  nlohmann::json document = document_;
  nlohmann::json& manifests = document["manifests"] = nlohmann::json::array();
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    nlohmann::json entry = entries_[i].to_json();
    entry.update(extra_[i]);
    manifests.push_back(std::move(entry));
  }
  return document.dump(2) + "\n";
}

std::optional<oci::Descriptor> LayoutIndex::find(std::string_view name) const {
  for (const oci::Descriptor& entry : entries_) {
    if (ref_name(entry) == name) return entry;
  }
  return std::nullopt;
}

std::vector<std::string> LayoutIndex::names() const {
  std::vector<std::string> names;
  for (const oci::Descriptor& entry : entries_) {
    if (std::string name = ref_name(entry); !name.empty()) names.push_back(std::move(name));
  }
  return names;
}

bool LayoutIndex::lists(const oci::Digest& digest) const {
  return std::ranges::any_of(entries_,
                             [&](const oci::Descriptor& entry) { return entry.digest == digest; });
}

void LayoutIndex::set_name(const oci::Descriptor& manifest, std::string_view name) {
  for (std::size_t i = 0; i < entries_.size();) {
    oci::Descriptor& entry = entries_[i];
    if (ref_name(entry) != name) {
      ++i;
      continue;
    }
    entry.annotations.erase(kRefNameAnnotation);
    if (entry.annotations.empty() && extra_[i].empty()) {
      entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
      extra_.erase(extra_.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    if (entry.annotations.empty()) entry.annotations = nullptr;
    ++i;
  }
  oci::Descriptor named = manifest;
  if (!named.annotations.is_object()) named.annotations = nlohmann::json::object();
  named.annotations[kRefNameAnnotation] = name;
  entries_.push_back(std::move(named));
  extra_.push_back(nlohmann::json::object());
}

bool LayoutIndex::add_unnamed(const oci::Descriptor& manifest) {
  if (lists(manifest.digest)) return false;
  entries_.push_back(manifest);
  extra_.push_back(nlohmann::json::object());
  return true;
}

}  // namespace transfer
