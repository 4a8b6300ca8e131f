// Repository patterns of access rules, matched segment by segment ('/' separates segments):
//   `team-a/app`   exactly that repository
//   `*`            any characters within one segment: `mirror/*` matches `mirror/alpine`,
//                  not `mirror/library/alpine`; `app-*` matches `app-web`
//   `**`           a whole segment only: any number of segments, none included, so
//                  `team-a/**` matches `team-a/x`, `team-a/x/y` and `team-a` itself, and
//                  `**` matches every repository
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"

namespace auth {

class RepositoryPattern {
 public:
  // kUnsupported for an empty pattern or segment, or `**` inside a segment (`a**`).
  static oci::Result<RepositoryPattern> parse(std::string_view text);

  bool matches(std::string_view repository) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::vector<std::string> segments_;
};

}  // namespace auth
