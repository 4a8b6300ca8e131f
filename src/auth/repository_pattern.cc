#include "auth/repository_pattern.h"

#include <fmt/format.h>

namespace auth {
namespace {

std::vector<std::string_view> split_segments(std::string_view text) {
  std::vector<std::string_view> segments;
  while (true) {
    const std::size_t slash = text.find('/');
    segments.push_back(text.substr(0, slash));
    if (slash == std::string_view::npos) return segments;
    text.remove_prefix(slash + 1);
  }
}

// `*` matches any run of characters of one segment. Greedy with one backtracking point:
// linear in practice, never exponential.
bool segment_matches(std::string_view pattern, std::string_view segment) {
  std::size_t p = 0;
  std::size_t s = 0;
  std::size_t star = std::string_view::npos;
  std::size_t resume = 0;
  while (s < segment.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = s;
    } else if (p < pattern.size() && pattern[p] == segment[s]) {
      ++p;
      ++s;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

oci::Result<RepositoryPattern> RepositoryPattern::parse(std::string_view text) {
  RepositoryPattern pattern;
  pattern.text_ = text;
  for (std::string_view segment : split_segments(text)) {
    if (segment.empty()) {
      return oci::fail(oci::ErrorCode::kUnsupported,
                       fmt::format("repository pattern \"{}\" has an empty segment", text));
    }
    if (segment != "**" && segment.find("**") != std::string_view::npos) {
      return oci::fail(oci::ErrorCode::kUnsupported,
                       fmt::format("repository pattern \"{}\": ** must be a whole segment", text));
    }
    pattern.segments_.emplace_back(segment);
  }
  return pattern;
}

bool RepositoryPattern::matches(std::string_view repository) const {
  const std::vector<std::string_view> names = split_segments(repository);
  // reachable[j]: the pattern's segments so far can match the first j names.
  std::vector<char> reachable(names.size() + 1, 0);
  reachable[0] = 1;
  for (const std::string& segment : segments_) {
    std::vector<char> next(names.size() + 1, 0);
    if (segment == "**") {
      bool any = false;
      for (std::size_t j = 0; j <= names.size(); ++j) {
        any = any || reachable[j] != 0;
        next[j] = any ? 1 : 0;
      }
    } else {
      for (std::size_t j = 0; j < names.size(); ++j) {
        if (reachable[j] != 0 && segment_matches(segment, names[j])) next[j + 1] = 1;
      }
    }
    reachable = std::move(next);
  }
  return reachable[names.size()] != 0;
}

}  // namespace auth
