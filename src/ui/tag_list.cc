#include "ui/tag_list.h"

#include <algorithm>
#include <map>

#include "oci/attachment_tag.h"
#include "ui/json_fields.h"
#include "ui/manifest_summary.h"
#include "ui/view_text.h"

namespace ui {
namespace {

// What a tag row says of the manifest it names; tags naming the same digest share it.
struct Described {
  std::string media_type;
  ManifestSummary summary;
};

nlohmann::json tag_entry(const metadata::RetentionTag& tag, const Described& described) {
  nlohmann::json attached_to = nullptr;
  if (auto attachment = oci::parse_attachment_tag(tag.name)) attached_to = attachment->subject;
  return nlohmann::json{{"name", tag.name},
                        {"digest", tag.digest},
                        {"media_type", described.media_type},
                        {"artifact_type", described.summary.artifact_type},
                        {"pushed_at", format_time(tag.updated_at)},
                        {"size", described.summary.total_size},
                        {"platforms", described.summary.platforms},
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
  std::map<std::string, Described, std::less<>> described;  // by digest
  auto tags = nlohmann::json::array();
  for (const auto& record : *records) {
    auto known = described.find(record.digest);
    if (known == described.end()) {
      auto manifest = reader.manifest(record.digest);
      // Deleted since the tags were read.
      if (!manifest && manifest.error().code == oci::ErrorCode::kManifestUnknown) continue;
      if (!manifest) return std::unexpected(manifest.error());
      auto summary = summarize(reader, **manifest);
      if (!summary) return std::unexpected(summary.error());
      known =
          described.emplace(record.digest, Described{(*manifest)->media_type, std::move(*summary)})
              .first;
      // What the summary was made of is not needed again: only summaries stay.
      reader.forget_manifests();
    }
    tags.push_back(tag_entry(record, known->second));
  }
  return dump({{"name", std::string(repository)},
               {"actions", Actions::offered(actions, registry.options()).to_json()},
               {"tags", std::move(tags)}});
}

}  // namespace ui
