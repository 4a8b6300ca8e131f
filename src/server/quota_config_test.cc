#include "server/quota_config.h"

#include <gtest/gtest.h>

#include "server/config.h"

namespace server {
namespace {

oci::Result<ServerConfig> parse(std::string_view text) { return parse_server_config(text, "test"); }

TEST(QuotaConfig, NoneByDefault) {
  auto config = parse("");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->quotas.empty());
}

TEST(QuotaConfig, ReadsNamespacesAndLimits) {
  auto config = parse(R"(
quotas:
  - {repositories: team-a/**, limit: 10GiB}
  - {repositories: "**", limit: 500MB}
  - {repositories: team-a/app, limit: 1048576}
)");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->quotas.size(), 3u);
  const QuotaRule& team = config->quotas[0];
  EXPECT_EQ(team.pattern, "team-a/**");
  EXPECT_EQ(team.prefix, "team-a");
  EXPECT_TRUE(team.subtree);
  EXPECT_EQ(team.limit, std::uint64_t{10} << 30);
  const QuotaRule& all = config->quotas[1];
  EXPECT_EQ(all.prefix, "");
  EXPECT_TRUE(all.subtree);
  EXPECT_EQ(all.limit, 500'000'000u);
  const QuotaRule& app = config->quotas[2];
  EXPECT_EQ(app.prefix, "team-a/app");
  EXPECT_FALSE(app.subtree);
  EXPECT_EQ(app.limit, 1048576u);
}

TEST(QuotaConfig, ErrorsNameTheKey) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"quotas: {repositories: a/**}", "quotas: must be a list"},
      {"quotas: [a]", "quotas[0]: must be a mapping"},
      {"quotas: [{limit: 1}]", "quotas[0]: repositories is required"},
      {"quotas: [{repositories: a}]", "quotas[0]: limit is required"},
      {"quotas: [{repositories: a, limit: 1, size: 2}]", "quotas[0]: unknown key size"},
      {"quotas: [{repositories: a, limit: -1}]", "quotas[0].limit: invalid size \"-1\""},
      {"quotas: [{repositories: a, limit: 1.5GiB}]", "quotas[0].limit: invalid size"},
      {"quotas: [{repositories: a, limit: 10XB}]", "quotas[0].limit: invalid size \"10XB\": units"},
      {"quotas: [{repositories: a, limit: GiB}]", "quotas[0].limit: invalid size"},
      {"quotas: [{repositories: a, limit: \"\"}]", "quotas[0].limit: invalid size"},
      {"quotas: [{repositories: a, limit: [1]}]", "quotas[0].limit must be a string"},
      {"quotas: [{repositories: a, limit: 99999999999999999999}]", "too large"},
      {"quotas: [{repositories: a, limit: 5000000000GiB}]", "more than the largest limit"},
      {"quotas: [{repositories: a/*, limit: 1}]", "quotas[0].repositories: repository pattern"},
      {"quotas: [{repositories: \"a/**/b\", limit: 1}]", "quotas[0].repositories"},
      {"quotas: [{repositories: \"team-*\", limit: 1}]", "quotas[0].repositories"},
      {"quotas: [{repositories: \"a//b\", limit: 1}]", "quotas[0].repositories"},
      {"quotas: [{repositories: \"a**\", limit: 1}]", "quotas[0].repositories"},
      {"quotas: [{repositories: a, limit: 1}, {repositories: b/**, limit: 2}, "
       "{repositories: a, limit: 3}]",
       "quotas[2].repositories: a has a quota already"},
  };
  for (const auto& [text, expected] : cases) {
    auto config = parse(text);
    ASSERT_FALSE(config) << text;
    EXPECT_NE(config.error().message.find(expected), std::string::npos)
        << text << ": " << config.error().message;
  }
}

TEST(QuotaConfig, ByteSizes) {
  EXPECT_EQ(parse_byte_size("0").value(), 0u);
  EXPECT_EQ(parse_byte_size("12B").value(), 12u);
  EXPECT_EQ(parse_byte_size("3 MiB").value(), 3u << 20);
  EXPECT_EQ(parse_byte_size("2kB").value(), 2000u);
  EXPECT_EQ(parse_byte_size("2KB").value(), 2000u);
  EXPECT_EQ(parse_byte_size("4TiB").value(), std::uint64_t{4} << 40);
  EXPECT_EQ(parse_byte_size("1TB").value(), 1'000'000'000'000u);
  EXPECT_EQ(parse_byte_size("4194304TiB").value(), kMaxQuotaBytes);
  EXPECT_FALSE(parse_byte_size("4194305TiB"));
  EXPECT_FALSE(parse_byte_size("+1"));
  EXPECT_FALSE(parse_byte_size("1 mib"));
}

TEST(QuotaConfig, NamespacesCoverTheirRepositories) {
  const QuotaRule team = parse_quota_pattern("team-a/**").value();
  EXPECT_TRUE(team.covers("team-a"));
  EXPECT_TRUE(team.covers("team-a/app"));
  EXPECT_TRUE(team.covers("team-a/app/x"));
  EXPECT_FALSE(team.covers("team-ab"));
  EXPECT_FALSE(team.covers("team-ab/app"));
  EXPECT_FALSE(team.covers("other/team-a"));
  const QuotaRule app = parse_quota_pattern("team-a/app").value();
  EXPECT_TRUE(app.covers("team-a/app"));
  EXPECT_FALSE(app.covers("team-a/app/x"));
  EXPECT_FALSE(app.covers("team-a"));
  const QuotaRule all = parse_quota_pattern("**").value();
  EXPECT_TRUE(all.covers("x"));
  EXPECT_TRUE(all.covers("a/b/c"));
}

}  // namespace
}  // namespace server
