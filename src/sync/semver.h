// Versions in tags, ordered by Semantic Versioning 2.0 precedence, and npm-style ranges over
// them. Tags are read leniently, as image tags are written: a leading "v" is accepted and
// missing minor/patch numbers are zero ("v1.2" and "1.2" are 1.2.0, "8" is 8.0.0).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"

namespace imagesync::semver {

struct Version {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers after "-"

  // "v1.2.3-rc.1", "1.2", "7"; nullopt when `tag` is not a version.
  static std::optional<Version> parse(std::string_view tag);
};

// <0, 0, >0 by SemVer precedence (prerelease identifiers: numeric ones by value and lower
// than alphanumeric ones, compared in ASCII order; a shorter identical prefix is lower).
int compare(const Version& a, const Version& b);

// A set of alternatives ("||"), each a conjunction of comparators (space-separated):
// ">=1.2.0 <2", "~1.2", "^0.3", "1.2.x", "1.2.3 - 1.4", "*". A version with a prerelease
// matches only an alternative holding a comparator written with a prerelease on the same
// major.minor.patch (npm's rule), so "^1.0" does not pick "1.5.0-rc.1".
class Range {
 public:
  static oci::Result<Range> parse(std::string_view text);
  bool matches(const Version& version) const;

  enum class Op { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual };
  struct Comparator {
    Op op;
    Version version;
    bool allows_prerelease = false;  // written by the user with a prerelease
  };

 private:
  std::vector<std::vector<Comparator>> alternatives_;
};

}  // namespace imagesync::semver
