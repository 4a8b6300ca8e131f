#include "auth/repository_pattern.h"

#include <gtest/gtest.h>

namespace auth {
namespace {

bool matches(std::string_view pattern, std::string_view repository) {
  const oci::Result<RepositoryPattern> parsed = RepositoryPattern::parse(pattern);
  EXPECT_TRUE(parsed) << pattern;
  return parsed && parsed->matches(repository);
}

TEST(RepositoryPattern, ExactNames) {
  EXPECT_TRUE(matches("team-a/app", "team-a/app"));
  EXPECT_FALSE(matches("team-a/app", "team-a/app2"));
  EXPECT_FALSE(matches("team-a/app", "team-a"));
  EXPECT_FALSE(matches("team-a", "team-a/app"));
}

TEST(RepositoryPattern, StarStaysInOneSegment) {
  EXPECT_TRUE(matches("mirror/*", "mirror/alpine"));
  EXPECT_FALSE(matches("mirror/*", "mirror/library/alpine"));
  EXPECT_FALSE(matches("mirror/*", "mirror"));
  EXPECT_TRUE(matches("mirror/app-*", "mirror/app-web"));
  EXPECT_TRUE(matches("mirror/app-*", "mirror/app-"));
  EXPECT_FALSE(matches("mirror/app-*", "mirror/ap"));
  EXPECT_TRUE(matches("*/*-web-*", "x/a-web-web-b"));
  EXPECT_TRUE(matches("*", "alpine"));
  EXPECT_FALSE(matches("*", "library/alpine"));
}

TEST(RepositoryPattern, DoubleStarCrossesSegments) {
  EXPECT_TRUE(matches("team-a/**", "team-a/app"));
  EXPECT_TRUE(matches("team-a/**", "team-a/x/y/z"));
  EXPECT_TRUE(matches("team-a/**", "team-a"));
  EXPECT_FALSE(matches("team-a/**", "team-ab/app"));
  EXPECT_FALSE(matches("team-a/**", "other/team-a/app"));
  EXPECT_TRUE(matches("**", "a"));
  EXPECT_TRUE(matches("**", "a/b/c"));
  EXPECT_TRUE(matches("**/app", "app"));
  EXPECT_TRUE(matches("**/app", "x/y/app"));
  EXPECT_FALSE(matches("**/app", "x/y/app/z"));
  EXPECT_TRUE(matches("a/**/z", "a/z"));
  EXPECT_TRUE(matches("a/**/z", "a/b/c/z"));
  EXPECT_TRUE(matches("**/**/*", "a/b/c/d"));
}

TEST(RepositoryPattern, ManyDoubleStarsStayFast) {
  std::string pattern;
  std::string repository;
  for (int i = 0; i < 100; ++i) {
    pattern += "**/";
    repository += "a/";
  }
  EXPECT_FALSE(matches(pattern + "b", repository + "c"));
  std::string stars;
  for (int i = 0; i < 100; ++i) stars += "*a";
  EXPECT_FALSE(matches(stars + "b", std::string(500, 'a')));
}

TEST(RepositoryPattern, RefusesMalformedPatterns) {
  for (std::string_view text : {"", "/", "a//b", "a/", "/a", "a**", "a/**b", "***"}) {
    const oci::Result<RepositoryPattern> parsed = RepositoryPattern::parse(text);
    EXPECT_FALSE(parsed) << text;
  }
}

}  // namespace
}  // namespace auth
