#include "ui/repository_list.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include <nlohmann/json.hpp>

#include "ui/json_fields.h"
#include "ui/view_text.h"

namespace ui {
namespace {

// Catalog names read per query of the store while searching.
constexpr std::size_t kCatalogChunk = 1000;

struct Matches {
  std::vector<std::string> names;
  bool more = false;  // another match follows the last one
};

oci::Result<Matches> find_matches(registry::Registry& registry, const RepositoryQuery& query,
                                  const MayPull& may_pull) {
  Matches matches;
  std::string after = query.last;
  for (;;) {
    auto page = registry.catalog(after, kCatalogChunk);
    if (!page) return std::unexpected(page.error());
    // Read before the names are moved out: the next chunk starts after this one's last.
    std::string last = page->items.empty() ? std::string() : page->items.back();
    for (auto& name : page->items) {
      if (!contains_ignoring_case(name, query.q) || !may_pull(name)) continue;
      if (matches.names.size() == query.n) {
        matches.more = true;
        return matches;
      }
      matches.names.push_back(std::move(name));
    }
    if (!page->more || page->items.empty()) return matches;
    after = std::move(last);
  }
}

// {"name","tags","updated_at"}: the repository's tag count and its newest tag's time (one
// aggregate query; a repository gone since the catalog was read has none).
oci::Result<nlohmann::json> describe(registry::Registry& registry, const std::string& name) {
  auto count = registry.tag_count(name);
  if (!count) return std::unexpected(count.error());
  nlohmann::json updated_at = nullptr;
  if (count->newest_updated_at) updated_at = format_time(*count->newest_updated_at);
  return nlohmann::json{
      {"name", name}, {"tags", count->tags}, {"updated_at", std::move(updated_at)}};
}

}  // namespace

oci::Result<std::size_t> parse_page_size(std::string_view n) {
  if (n.empty()) return kDefaultRepositoryPage;
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), value);
  const bool digits = end == n.data() + n.size();
  // Too many digits to hold is a big number all the same.
  if (digits && ec == std::errc::result_out_of_range) return kMaxRepositoryPage;
  if (!digits || ec != std::errc() || value == 0) {
    return oci::fail(oci::ErrorCode::kPaginationNumberInvalid,
                     "invalid number of results requested", std::string(n.substr(0, 64)));
  }
  return std::min(value, kMaxRepositoryPage);
}

oci::Result<std::string> repository_list(registry::Registry& registry, const RepositoryQuery& query,
                                         const MayPull& may_pull) {
  auto matches = find_matches(registry, query, may_pull);
  if (!matches) return std::unexpected(matches.error());
  auto repositories = nlohmann::json::array();
  for (const auto& name : matches->names) {
    auto entry = describe(registry, name);
    if (!entry) return std::unexpected(entry.error());
    repositories.push_back(std::move(*entry));
  }
  nlohmann::json next = nullptr;
  if (matches->more && !matches->names.empty()) next = matches->names.back();
  return dump({{"repositories", std::move(repositories)}, {"next", std::move(next)}});
}

}  // namespace ui
