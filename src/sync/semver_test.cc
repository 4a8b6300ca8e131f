#include "sync/semver.h"

#include <gtest/gtest.h>

namespace imagesync::semver {
namespace {

TEST(SemverVersion, ReadsTagsLeniently) {
  struct Case {
    const char* tag;
    std::uint64_t major, minor, patch;
    std::vector<std::string> prerelease;
  };
  const Case cases[] = {
      {"1.2.3", 1, 2, 3, {}},
      {"v1.2.3", 1, 2, 3, {}},
      {"V1.2", 1, 2, 0, {}},
      {"1.2", 1, 2, 0, {}},
      {"7", 7, 0, 0, {}},
      {"1.2.3-rc.1", 1, 2, 3, {"rc", "1"}},
      {"3.19-alpine", 3, 19, 0, {"alpine"}},
      {"22.04", 22, 4, 0, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.tag);
    auto v = Version::parse(c.tag);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->major, c.major);
    EXPECT_EQ(v->minor, c.minor);
    EXPECT_EQ(v->patch, c.patch);
    EXPECT_EQ(v->prerelease, c.prerelease);
  }
}

TEST(SemverVersion, RejectsWhatIsNotAVersion) {
  for (const char* tag : {"", "v", "latest", "1.2.3.4", "1..2", "1.2.", "1.2.3-", "1.2.3-a..b",
                          "x1.2", "1.2.3+build", "99999999999999999999999.1", "sha256-abc"}) {
    EXPECT_FALSE(Version::parse(tag).has_value()) << tag;
  }
}

TEST(SemverCompare, FollowsSemver2Precedence) {
  // The example chain of semver.org, section 11, plus lenient spellings.
  const char* ascending[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                             "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                             "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                             "1.2",         "1.10.0",        "v2",
                             "2.0.1-0",     "2.0.1",         "10.0.0"};
  for (std::size_t i = 0; i + 1 < std::size(ascending); ++i) {
    auto a = Version::parse(ascending[i]);
    auto b = Version::parse(ascending[i + 1]);
    ASSERT_TRUE(a && b) << ascending[i];
    EXPECT_LT(compare(*a, *b), 0) << ascending[i] << " < " << ascending[i + 1];
    EXPECT_GT(compare(*b, *a), 0) << ascending[i + 1] << " > " << ascending[i];
  }
  EXPECT_EQ(compare(*Version::parse("v1.2"), *Version::parse("1.2.0")), 0);
  // Numeric identifiers by value, even beyond 64 bits.
  EXPECT_LT(compare(*Version::parse("1.0.0-99999999999999999999"),
                    *Version::parse("1.0.0-100000000000000000000")),
            0);
  EXPECT_LT(compare(*Version::parse("1.0.0-9"), *Version::parse("1.0.0-10")), 0);
}

TEST(SemverRange, MatchesLikeNpm) {
  struct Case {
    const char* range;
    const char* version;
    bool matches;
  };
  const Case cases[] = {
      {">=1.2.0 <2.0.0", "1.2.0", true},
      {">=1.2.0 <2.0.0", "1.9.9", true},
      {">=1.2.0 <2.0.0", "2.0.0", false},
      {">=1.2.0 <2.0.0", "1.1.9", false},
      {">1.2.3", "1.2.3", false},
      {">1.2.3", "1.2.4", true},
      {"<=1.2.3", "1.2.3", true},
      {"<1.2.3", "1.2.3", false},
      {"=1.2.3", "v1.2.3", true},
      {"1.2.3", "1.2.4", false},
      {">= 1.2", "1.2.0", true},
      {"> 1.2", "1.2.9", false},
      {"> 1.2", "1.3.0", true},
      {">1", "1.9.0", false},
      {">1", "2.0.0", true},
      {"<1.2", "1.1.99", true},
      {"<1.2", "1.2.0", false},
      {"<=1.2", "1.2.99", true},
      {"<=1.2", "1.3.0", false},
      {"~1.2", "1.2.7", true},
      {"~1.2", "1.3.0", false},
      {"~1.2.3", "1.2.2", false},
      {"~1.2.3", "1.2.9", true},
      {"~1", "1.9.0", true},
      {"~1", "2.0.0", false},
      {"^1.2", "1.9.0", true},
      {"^1.2", "2.0.0", false},
      {"^1.2.3", "1.2.2", false},
      {"^0.2.3", "0.2.9", true},
      {"^0.2.3", "0.3.0", false},
      {"^0.0.3", "0.0.3", true},
      {"^0.0.3", "0.0.4", false},
      {"^0.0", "0.0.9", true},
      {"^0.0", "0.1.0", false},
      {"^0", "0.9.0", true},
      {"^0", "1.0.0", false},
      {"1.2.x", "1.2.5", true},
      {"1.2.x", "1.3.0", false},
      {"1.x", "1.99.0", true},
      {"1.X.x", "2.0.0", false},
      {"1.2.*", "1.2.0", true},
      {"*", "5.0.0", true},
      {"x", "0.0.1", true},
      {"1.2.3 - 2.3", "2.3.9", true},
      {"1.2.3 - 2.3", "2.4.0", false},
      {"1.2.3 - 2.3.4", "2.3.4", true},
      {"1.2.3 - 2.3.4", "1.2.2", false},
      {"<1 || >=3", "0.5.0", true},
      {"<1 || >=3", "2.0.0", false},
      {"<1 || >=3", "3.1.0", true},
      {">*", "1.0.0", false},
      {"<*", "1.0.0", false},
      {"~>1.2", "1.2.5", true},
      // Prereleases only where the range names one on the same major.minor.patch.
      {"^1.0", "1.5.0-rc.1", false},
      {"*", "1.0.0-rc.1", false},
      {">=1.2.3-rc.1", "1.2.3-rc.2", true},
      {">=1.2.3-rc.1", "1.2.4-rc.1", false},
      {">=1.2.3-rc.1", "1.2.3", true},
      {"<2.0.0", "2.0.0-rc.1", false},
      {"^1.2.3-beta.2", "1.2.3-beta.4", true},
      {"^1.2.3-beta.2", "1.2.3-beta.1", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.range) + " ? " + c.version);
    auto range = Range::parse(c.range);
    ASSERT_TRUE(range.has_value()) << range.error().message;
    auto version = Version::parse(c.version);
    ASSERT_TRUE(version.has_value());
    EXPECT_EQ(range->matches(*version), c.matches);
  }
}

TEST(SemverRange, RejectsMalformedRanges) {
  for (const char* text : {"latest", ">=", ">=1.2.3.4", "1.x.3", "~abc", ">=1.2-rc", "1.2.3 -",
                           ">> 1", "^1.2.3-", "1.2.3 - x.y.z - 4", "=v", "1.2.3-a..b"}) {
    auto range = Range::parse(text);
    EXPECT_FALSE(range.has_value()) << text;
    if (!range) {
      EXPECT_NE(range.error().message.find("invalid semver range"), std::string::npos);
    }
  }
  EXPECT_FALSE(Range::parse(std::string(2000, '1')).has_value());
}

}  // namespace
}  // namespace imagesync::semver
