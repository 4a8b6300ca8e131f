#include "client/auth_challenge.h"

#include <gtest/gtest.h>

namespace client {
namespace {

TEST(ParseChallenges, DockerHub) {
  const auto challenges = parse_challenges(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "bearer");
  EXPECT_EQ(challenges[0].param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(challenges[0].param("service"), "registry.docker.io");
  EXPECT_EQ(challenges[0].param("scope"), "repository:library/alpine:pull");
  EXPECT_EQ(challenges[0].param("error"), "");
}

TEST(ParseChallenges, HarborWithCommaInsideQuotes) {
  const auto challenges = parse_challenges(
      R"(Bearer realm="https://harbor.example/service/token",service="harbor-registry",scope="repository:lib/app:pull,push")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].param("scope"), "repository:lib/app:pull,push");
  EXPECT_EQ(challenges[0].param("service"), "harbor-registry");
}

TEST(ParseChallenges, BasicAndSeveralChallenges) {
  const auto challenges = parse_challenges(
      R"(Basic realm="Registry Realm", Bearer realm="http://127.0.0.1:1/token" , service=test,error="invalid_token")");
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_EQ(challenges[0].scheme, "basic");
  EXPECT_EQ(challenges[0].param("realm"), "Registry Realm");
  EXPECT_EQ(challenges[1].scheme, "bearer");
  EXPECT_EQ(challenges[1].param("realm"), "http://127.0.0.1:1/token");
  EXPECT_EQ(challenges[1].param("service"), "test");
  EXPECT_EQ(challenges[1].param("error"), "invalid_token");
  EXPECT_EQ(find_challenge(challenges, "bearer")->param("service"), "test");
  EXPECT_FALSE(find_challenge(challenges, "negotiate").has_value());
}

TEST(ParseChallenges, CaseEscapesAndBareValues) {
  const auto challenges =
      parse_challenges(R"(BEARER Realm=https://a/token, Service="a \"quoted\" name")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "bearer");
  EXPECT_EQ(challenges[0].param("realm"), "https://a/token");
  EXPECT_EQ(challenges[0].param("service"), R"(a "quoted" name)");
}

TEST(ParseChallenges, SchemeOnlyAndEmpty) {
  EXPECT_TRUE(parse_challenges("").empty());
  EXPECT_TRUE(parse_challenges("  ,  ").empty());
  const auto challenges = parse_challenges("Negotiate, Basic");
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_EQ(challenges[1].scheme, "basic");
  EXPECT_TRUE(challenges[1].params.empty());
}

TEST(ParseChallenges, UnterminatedQuoteKeepsWhatCameBefore) {
  const auto challenges =
      parse_challenges(R"(Bearer realm="https://a/token",service="unterminated)");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].param("realm"), "https://a/token");
  EXPECT_EQ(challenges[0].param("service"), "");
}

}  // namespace
}  // namespace client
