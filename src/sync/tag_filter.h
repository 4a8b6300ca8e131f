// Which tags of a repository an image entry of sync.yaml picks.
//
// The rule: exact `tags` are always picked. `tag-regex` and `semver` are patterns: a listed
// tag matches when it matches every pattern given (both given: both must match). The pick is
// the union of the exact tags and the tags matching the patterns; with neither exact tags
// nor patterns, every tag. `newest` then keeps the N highest of the pick in version order
// (tags that are not versions rank below every version, among themselves by name).
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "sync/semver.h"

namespace imagesync {

struct TagFilter {
  std::vector<std::string> tags;  // exact names
  std::optional<std::regex> regex;
  std::optional<semver::Range> semver;
  std::optional<int> newest;  // > 0

  bool has_patterns() const { return regex || semver; }
  // True when the repository's tag list is needed (exact tags alone are copied as named).
  bool needs_tag_list() const { return tags.empty() || has_patterns() || newest; }
};

// Highest version first; tags that are not versions after, by name. Equal versions ("v1.2",
// "1.2.0") by name.
void sort_newest_first(std::vector<std::string>& tags);

// The tags `filter` picks from `available` (a repository's tag list, any order), highest
// version first as sort_newest_first orders them, without duplicates.
std::vector<std::string> select_tags(const TagFilter& filter,
                                     const std::vector<std::string>& available);

}  // namespace imagesync
