// Tag lists, the catalog and the referrers index.
#include <nlohmann/json.hpp>

#include "oci/digest.h"
#include "oci/media_type.h"
#include "oci/name.h"
#include "registry/registry.h"

namespace registry {
namespace {

using oci::ErrorCode;

// Asks for one more than the page holds, to know whether another page follows.
Page to_page(std::vector<std::string> items, std::size_t limit) {
  Page page;
  page.more = items.size() > limit;
  if (page.more) items.resize(limit);
  page.items = std::move(items);
  return page;
}

}  // namespace

Result<Page> Registry::tags(std::string_view repository, std::string_view after,
                            std::size_t limit) {
  if (!oci::is_valid_repository_name(repository)) {
    return oci::fail(ErrorCode::kNameInvalid, "invalid repository name");
  }
  auto exists = store_.repository_exists(repository);
  if (!exists) return std::unexpected(exists.error());
  if (!*exists) {
    return oci::fail(ErrorCode::kNameUnknown, "repository name not known to registry",
                     std::string(repository));
  }
  if (limit == 0) return Page{};
  auto items = store_.tags(repository, after, limit + 1);
  if (!items) return std::unexpected(items.error());
  return to_page(std::move(*items), limit);
}

Result<Page> Registry::catalog(std::string_view after, std::size_t limit) {
  if (limit == 0) return Page{};
  auto items = store_.repositories(after, limit + 1);
  if (!items) return std::unexpected(items.error());
  return to_page(std::move(*items), limit);
}

Result<bool> Registry::repository_exists(std::string_view repository) {
  if (!oci::is_valid_repository_name(repository)) {
    return oci::fail(ErrorCode::kNameInvalid, "invalid repository name");
  }
  return store_.repository_exists(repository);
}

Result<std::vector<metadata::RetentionTag>> Registry::tag_records(std::string_view repository) {
  auto exists = repository_exists(repository);
  if (!exists) return std::unexpected(exists.error());
  if (!*exists) {
    return oci::fail(ErrorCode::kNameUnknown, "repository name not known to registry",
                     std::string(repository));
  }
  return store_.tag_records(repository);
}

Result<metadata::TagCount> Registry::tag_count(std::string_view repository) {
  if (!oci::is_valid_repository_name(repository)) {
    return oci::fail(ErrorCode::kNameInvalid, "invalid repository name");
  }
  return store_.tag_count(repository);
}

Result<std::string> Registry::referrers(std::string_view repository, std::string_view subject,
                                        std::optional<std::string_view> artifact_type) {
  if (!oci::is_valid_repository_name(repository)) {
    return oci::fail(ErrorCode::kNameInvalid, "invalid repository name");
  }
  auto digest = oci::Digest::parse(subject);
  if (!digest) return std::unexpected(digest.error());
  auto records = store_.referrers(repository, digest->str(), artifact_type);
  if (!records) return std::unexpected(records.error());

  auto manifests = nlohmann::json::array();
  for (const auto& record : *records) {
    nlohmann::json descriptor = {
        {"mediaType", record.media_type}, {"digest", record.digest}, {"size", record.size}};
    if (!record.artifact_type.empty()) descriptor["artifactType"] = record.artifact_type;
    if (!record.annotations_json.empty()) {
      descriptor["annotations"] = nlohmann::json::parse(record.annotations_json, nullptr, false);
    }
    manifests.push_back(std::move(descriptor));
  }
  nlohmann::json index = {{"schemaVersion", 2},
                          {"mediaType", oci::media_type::kOciIndex},
                          {"manifests", std::move(manifests)}};
  return index.dump();
}

}  // namespace registry
