#include "server/retention_config.h"

#include <gtest/gtest.h>

#include "server/config.h"

namespace server {
namespace {

using namespace std::chrono_literals;

oci::Result<ServerConfig> parse(std::string_view text) { return parse_server_config(text, "test"); }

TEST(RetentionConfig, NoRulesByDefault) {
  auto config = parse("");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->retention.rules.empty());
}

TEST(RetentionConfig, ReadsEveryKey) {
  auto config = parse(R"(
retention:
  rules:
    - repositories: [team-a/**, "tools/*"]
      keep_newest: 5
      keep_tags: ["latest", "release-.*"]
      keep_semver: ">=2.0.0"
      drop_older_than: 30d
      keep_pulled_within: 7d
    - repositories: "**"
      keep_tags: latest
)");
  ASSERT_TRUE(config) << config.error().message;
  const auto& rules = config->retention.rules;
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_TRUE(rules[0].applies("team-a/app"));
  EXPECT_TRUE(rules[0].applies("tools/jq"));
  EXPECT_FALSE(rules[0].applies("tools/x/jq"));
  const auto& criteria = rules[0].criteria;
  EXPECT_EQ(criteria.keep_newest, std::optional<std::size_t>(5));
  EXPECT_EQ(criteria.drop_older_than, std::optional<std::chrono::seconds>(720h));
  EXPECT_EQ(criteria.keep_pulled_within, std::optional<std::chrono::seconds>(168h));
  EXPECT_TRUE(criteria.keep_tags("release-1"));
  EXPECT_FALSE(criteria.keep_tags("my-release-1"));  // the whole tag must match
  EXPECT_FALSE(criteria.keep_tags("latest2"));
  EXPECT_TRUE(criteria.keep_semver("v2.1"));
  EXPECT_FALSE(criteria.keep_semver("1.9.0"));
  EXPECT_FALSE(criteria.keep_semver("latest"));
  EXPECT_TRUE(rules[1].applies("anything/at/all"));
  EXPECT_EQ(rules[1].repositories, "**");
  EXPECT_TRUE(rules[1].criteria.keep_tags("latest"));
  EXPECT_FALSE(rules[1].criteria.keep_semver);
  EXPECT_FALSE(rules[1].criteria.keep_newest);
}

TEST(RetentionConfig, MistakesNameTheirKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"retention: []", "retention:"},
      {"retention: {rule: []}", "unknown key rule"},
      {"retention: {rules: {}}", "retention.rules:"},
      {"retention: {rules: [x]}", "retention.rules[0]:"},
      {"retention: {rules: [{keep_newest: 1}]}", "repositories is required"},
      {"retention: {rules: [{repositories: app}]}", "needs a criterion"},
      {"retention: {rules: [{repositories: \"a**\", keep_newest: 1}]}",
       "retention.rules[0].repositories"},
      {"retention: {rules: [{repositories: [], keep_newest: 1}]}",
       "retention.rules[0].repositories"},
      {"retention: {rules: [{repositories: app, keep_newest: -1}]}",
       "retention.rules[0].keep_newest"},
      {"retention: {rules: [{repositories: app, keep_newest: many}]}",
       "retention.rules[0].keep_newest"},
      {"retention: {rules: [{repositories: app, keep_tags: \"(\"}]}",
       "retention.rules[0].keep_tags"},
      {"retention: {rules: [{repositories: app, keep_semver: \">=1.two\"}]}",
       "retention.rules[0].keep_semver"},
      {"retention: {rules: [{repositories: app, drop_older_than: soon}]}",
       "retention.rules[0].drop_older_than"},
      {"retention: {rules: [{repositories: app, keep_pulled_within: 0s}]}",
       "retention.rules[0].keep_pulled_within"},
      {"retention: {rules: [{repositories: app, keep_newest: 1}, {repositories: b, keep: 1}]}",
       "retention.rules[1]: unknown key keep"},
  };
  for (const auto& [text, expected] : cases) {
    auto config = parse(text);
    ASSERT_FALSE(config) << text;
    EXPECT_NE(config.error().message.find(expected), std::string::npos)
        << text << " -> " << config.error().message;
  }
}

}  // namespace
}  // namespace server
