#include "ui/tag_list.h"

#include <algorithm>

#include "ui/json_fields.h"
#include "ui/manifest_summary.h"
#include "ui/view_text.h"

namespace ui {
namespace {

oci::Result<nlohmann::json> describe(ManifestReader& reader, const metadata::RetentionTag& tag,
                                     const LoadedManifest& manifest) {
  auto summary = summarize(reader, manifest);
  if (!summary) return std::unexpected(summary.error());
  nlohmann::json attached_to = nullptr;
  if (auto attachment = parse_attachment_tag(tag.name)) attached_to = attachment->subject;
  return nlohmann::json{{"name", tag.name},
                        {"digest", manifest.digest},
                        {"media_type", manifest.media_type},
                        {"artifact_type", summary->artifact_type},
                        {"pushed_at", format_time(tag.updated_at)},
                        {"size", summary->total_size},
                        {"platforms", summary->platforms},
                        {"attached_to", std::move(attached_to)}};
}

}  // namespace

oci::Result<std::string> tag_list(registry::Registry& registry, std::string_view repository,
                                  Actions actions) {
  auto records = registry.tag_records(repository);
  if (!records) return std::unexpected(records.error());
  // Byte order whatever the database collates by.
  std::ranges::sort(*records, {}, &metadata::RetentionTag::name);
  ManifestReader reader(registry, std::string(repository));
  auto tags = nlohmann::json::array();
  for (const auto& record : *records) {
    auto manifest = reader.manifest(record.digest);
    // Deleted since the tags were read.
    if (!manifest && manifest.error().code == oci::ErrorCode::kManifestUnknown) continue;
    if (!manifest) return std::unexpected(manifest.error());
    auto entry = describe(reader, record, **manifest);
    if (!entry) return std::unexpected(entry.error());
    tags.push_back(std::move(*entry));
  }
  return dump({{"name", std::string(repository)},
               {"actions", Actions::offered(actions, registry.options()).to_json()},
               {"tags", std::move(tags)}});
}

}  // namespace ui
