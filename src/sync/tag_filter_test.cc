#include "sync/tag_filter.h"

#include <gtest/gtest.h>

namespace imagesync {
namespace {

const std::vector<std::string> kTags = {"latest",     "v1.0",  "v1.1",        "1.2.0",  "v1.10",
                                        "2.0.0-rc.1", "2.0.0", "v1.1-alpine", "nightly"};

TagFilter with_regex(const char* regex) {
  TagFilter filter;
  filter.regex.emplace(regex, std::regex::ECMAScript);
  return filter;
}

TagFilter with_semver(const char* range) {
  TagFilter filter;
  filter.semver = *semver::Range::parse(range);
  return filter;
}

using Tags = std::vector<std::string>;

TEST(TagFilter, NoFilterPicksEveryTagNewestFirst) {
  EXPECT_EQ(select_tags({}, kTags), (Tags{"2.0.0", "2.0.0-rc.1", "v1.10", "1.2.0", "v1.1",
                                          "v1.1-alpine", "v1.0", "latest", "nightly"}));
}

TEST(TagFilter, ExactTagsAlonePickOnlyThemEvenWhenNotListed) {
  TagFilter filter;
  filter.tags = {"v1.0", "gone"};
  EXPECT_FALSE(filter.needs_tag_list());
  EXPECT_EQ(select_tags(filter, kTags), (Tags{"v1.0", "gone"}));
}

TEST(TagFilter, RegexIsAFullMatch) {
  EXPECT_EQ(select_tags(with_regex("v1\\.[0-9]"), kTags), (Tags{"v1.1", "v1.0"}));
  EXPECT_EQ(select_tags(with_regex("^v1\\.[0-9]+$"), kTags), (Tags{"v1.10", "v1.1", "v1.0"}));
}

TEST(TagFilter, SemverSkipsNonVersionsAndPrereleases) {
  EXPECT_EQ(select_tags(with_semver(">=1.1 <2"), kTags), (Tags{"v1.10", "1.2.0", "v1.1"}));
}

TEST(TagFilter, RegexAndSemverBothMustMatch) {
  TagFilter filter = with_semver(">=1.1 <2");
  filter.regex.emplace("v.*");
  EXPECT_EQ(select_tags(filter, kTags), (Tags{"v1.10", "v1.1"}));
}

TEST(TagFilter, ExactTagsJoinThePatternMatches) {
  TagFilter filter = with_regex("v1\\.1.*");
  filter.tags = {"latest", "v1.1"};
  EXPECT_EQ(select_tags(filter, kTags), (Tags{"v1.10", "v1.1", "v1.1-alpine", "latest"}));
}

TEST(TagFilter, NewestKeepsTheHighestVersionsOfThePick) {
  TagFilter filter = with_semver(">=1");
  filter.newest = 2;
  EXPECT_EQ(select_tags(filter, kTags), (Tags{"2.0.0", "v1.10"}));
  TagFilter all;
  all.newest = 3;
  EXPECT_EQ(select_tags(all, kTags), (Tags{"2.0.0", "2.0.0-rc.1", "v1.10"}));
  // Tags that are not versions come last, by name.
  TagFilter names = with_regex("[a-z]+");
  names.newest = 1;
  EXPECT_EQ(select_tags(names, kTags), (Tags{"latest"}));
  TagFilter many = with_regex("v1\\.0");
  many.newest = 50;
  EXPECT_EQ(select_tags(many, kTags), (Tags{"v1.0"}));
}

TEST(TagFilter, EqualVersionsOrderByName) {
  Tags tags = {"v1.2", "1.2.0", "1.2", "a", "0.1"};
  sort_newest_first(tags);
  EXPECT_EQ(tags, (Tags{"1.2", "1.2.0", "v1.2", "0.1", "a"}));
}

TEST(TagFilter, DuplicatesInTheListAreDropped) {
  EXPECT_EQ(select_tags({}, {"a", "a", "1"}), (Tags{"1", "a"}));
}

// The table of docs/sync.md.
TEST(TagFilter, DocumentedExamples) {
  const Tags available = {"latest", "v1.0", "v1.1", "v1.2", "1.3.0", "2.0.0-rc.1"};
  TagFilter exact;
  exact.tags = {"latest"};
  TagFilter both = with_semver(">=1.1");
  both.regex.emplace("v.*");
  TagFilter joined = with_semver("^1.2");
  joined.tags = {"latest"};
  TagFilter newest;
  newest.newest = 2;
  TagFilter newest_versions = with_semver("*");
  newest_versions.newest = 2;
  EXPECT_EQ(select_tags(exact, available), (Tags{"latest"}));
  EXPECT_EQ(select_tags(with_regex("v1\\..*"), available), (Tags{"v1.2", "v1.1", "v1.0"}));
  EXPECT_EQ(select_tags(with_semver(">=1.1"), available), (Tags{"1.3.0", "v1.2", "v1.1"}));
  EXPECT_EQ(select_tags(both, available), (Tags{"v1.2", "v1.1"}));
  EXPECT_EQ(select_tags(joined, available), (Tags{"1.3.0", "v1.2", "latest"}));
  EXPECT_EQ(select_tags(newest, available), (Tags{"2.0.0-rc.1", "1.3.0"}));
  EXPECT_EQ(select_tags(newest_versions, available), (Tags{"1.3.0", "v1.2"}));
}

}  // namespace
}  // namespace imagesync
