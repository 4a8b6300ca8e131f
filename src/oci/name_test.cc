#include "oci/name.h"

#include <gtest/gtest.h>

#include <string>

namespace oci {
namespace {

struct NameCase {
  std::string name;
  std::string text;
  bool valid;
};

std::string components_of_length(std::size_t total) {
  std::string name;
  while (name.size() < total) name += name.empty() ? "a" : "/a";
  return name.substr(0, total);
}

class RepositoryNameTest : public testing::TestWithParam<NameCase> {};

TEST_P(RepositoryNameTest, FollowsTheSpecRegex) {
  EXPECT_EQ(is_valid_repository_name(GetParam().text), GetParam().valid);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RepositoryNameTest,
    testing::Values(
        NameCase{"Single", "library", true}, NameCase{"SingleChar", "a", true},
        NameCase{"Digits", "0123", true}, NameCase{"Nested", "library/ubuntu", true},
        NameCase{"DeeplyNested", "a/b/c/d/e/f", true}, NameCase{"Dot", "my.repo", true},
        NameCase{"Underscore", "my_repo", true}, NameCase{"DoubleUnderscore", "my__repo", true},
        NameCase{"Dash", "my-repo", true}, NameCase{"ManyDashes", "my----repo", true},
        NameCase{"MixedSeparatorsBetweenRuns", "a.b_c__d-e--f/g.h", true},
        NameCase{"Max255", components_of_length(255), true},
        NameCase{"Over255", components_of_length(256), false}, NameCase{"Empty", "", false},
        NameCase{"Uppercase", "Library", false},
        NameCase{"UppercaseInSecondComponent", "library/Ubuntu", false},
        NameCase{"LeadingSlash", "/library", false}, NameCase{"TrailingSlash", "library/", false},
        NameCase{"DoubleSlash", "library//ubuntu", false}, NameCase{"OnlySlash", "/", false},
        NameCase{"LeadingSeparator", "-repo", false}, NameCase{"TrailingSeparator", "repo-", false},
        NameCase{"SeparatorBeforeSlash", "repo./x", false},
        NameCase{"SeparatorAfterSlash", "x/_repo", false}, NameCase{"DoubleDot", "my..repo", false},
        NameCase{"TripleUnderscore", "my___repo", false}, NameCase{"DotDash", "my.-repo", false},
        NameCase{"DashUnderscore", "my-_repo", false}, NameCase{"UnderscoreDot", "my_.repo", false},
        NameCase{"DotDotPath", "a/../b", false}, NameCase{"Space", "my repo", false},
        NameCase{"Colon", "repo:tag", false}, NameCase{"At", "repo@sha256", false},
        NameCase{"NonAscii", "r\xc3\xa9po", false},
        NameCase{"EmbeddedNul", std::string("re\0po", 5), false}),
    [](const auto& info) { return info.param.name; });

class TagTest : public testing::TestWithParam<NameCase> {};

TEST_P(TagTest, FollowsTheSpecRegex) { EXPECT_EQ(is_valid_tag(GetParam().text), GetParam().valid); }

INSTANTIATE_TEST_SUITE_P(
    Table, TagTest,
    testing::Values(NameCase{"Latest", "latest", true}, NameCase{"Version", "v1.2.3-rc.1", true},
                    NameCase{"Uppercase", "LATEST", true},
                    NameCase{"LeadingUnderscore", "_private", true},
                    NameCase{"LeadingDigit", "1.0", true}, NameCase{"SingleChar", "a", true},
                    NameCase{"Max128", std::string(128, 'a'), true},
                    NameCase{"Over128", std::string(129, 'a'), false}, NameCase{"Empty", "", false},
                    NameCase{"LeadingDot", ".hidden", false}, NameCase{"LeadingDash", "-v1", false},
                    NameCase{"Slash", "a/b", false}, NameCase{"Colon", "a:b", false},
                    NameCase{"Plus", "1.0+build", false}, NameCase{"Space", "a b", false},
                    NameCase{"DigestLike", "sha256:abc", false},
                    NameCase{"NonAscii", "t\xc3\xa9", false}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace oci
