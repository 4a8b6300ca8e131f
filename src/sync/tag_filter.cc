#include "sync/tag_filter.h"

#include <algorithm>
#include <set>

namespace imagesync {

void sort_newest_first(std::vector<std::string>& tags) {
  struct Keyed {
    std::optional<semver::Version> version;
    std::string tag;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(tags.size());
  for (auto& tag : tags) keyed.push_back({semver::Version::parse(tag), std::move(tag)});
  std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    if (a.version && b.version) {
      if (int c = semver::compare(*a.version, *b.version); c != 0) return c > 0;
    } else if (a.version || b.version) {
      return a.version.has_value();
    }
    return a.tag < b.tag;
  });
  tags.clear();
  for (auto& k : keyed) tags.push_back(std::move(k.tag));
}

std::vector<std::string> select_tags(const TagFilter& filter,
                                     const std::vector<std::string>& available) {
  const auto matches_patterns = [&](const std::string& tag) {
    if (filter.regex) {
      try {
        if (!std::regex_match(tag, *filter.regex)) return false;
      } catch (const std::regex_error&) {  // error_complexity/error_stack: treat as no match
        return false;
      }
    }
    if (filter.semver) {
      auto version = semver::Version::parse(tag);
      if (!version || !filter.semver->matches(*version)) return false;
    }
    return true;
  };
  std::set<std::string> picked(filter.tags.begin(), filter.tags.end());
  if (filter.has_patterns() || filter.tags.empty()) {
    for (const auto& tag : available) {
      if (matches_patterns(tag)) picked.insert(tag);
    }
  }
  std::vector<std::string> out(picked.begin(), picked.end());
  sort_newest_first(out);
  if (filter.newest && out.size() > static_cast<std::size_t>(*filter.newest)) {
    out.resize(static_cast<std::size_t>(*filter.newest));
  }
  return out;
}

}  // namespace imagesync
