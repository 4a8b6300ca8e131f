#include "server/gc_config.h"

#include <gtest/gtest.h>

#include "server/config.h"

namespace server {
namespace {

using namespace std::chrono_literals;

oci::Result<ServerConfig> parse(std::string_view text) { return parse_server_config(text, "test"); }

TEST(GcConfig, DefaultsCollectDailyAfterAnHour) {
  auto config = parse("");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_TRUE(config->gc.schedule);
  EXPECT_EQ(config->gc.schedule->describe(), "0 3 * * *");
  EXPECT_EQ(config->gc.grace, 1h);
  EXPECT_TRUE(config->gc.untagged);
  EXPECT_FALSE(config->gc.exempt);
  EXPECT_TRUE(config->auth.admins.empty());
}

TEST(GcConfig, ReadsEveryKey) {
  auto config = parse(R"(
gc:
  interval: 2s
  grace: 30m
  untagged: false
  exempt: [cache/**, "team-*/scratch"]
auth:
  admins: [alice, group:ops]
)");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_TRUE(config->gc.schedule);
  EXPECT_TRUE(config->gc.schedule->is_interval());
  EXPECT_EQ(config->gc.grace, 30min);
  EXPECT_FALSE(config->gc.untagged);
  ASSERT_TRUE(config->gc.exempt);
  EXPECT_EQ(config->gc.exempt->size(), 2u);
  EXPECT_EQ(config->auth.admins, (std::vector<std::string>{"alice", "group:ops"}));
}

TEST(GcConfig, AnEmptyScheduleTurnsItOff) {
  auto config = parse("gc: {schedule: \"\"}");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_FALSE(config->gc.schedule);
}

TEST(GcConfig, MistakesNameTheirKey) {
  for (const char* text :
       {"gc: {schedule: \"61 * * * *\"}", "gc: {grace: soon}", "gc: {untagged: maybe}",
        "gc: {exempt: [\"a**\"]}", "gc: {every: 1h}", "gc: {schedule: \"0 3 * * *\", interval: 1h}",
        "gc: {interval: 10ms}", "gc: {grace: 500ms}", "gc: {grace: 0s}",
        "auth: {admins: [anonymous]}", "gc: []"}) {
    auto config = parse(text);
    ASSERT_FALSE(config) << text;
    EXPECT_NE(config.error().message.find(text[0] == 'a' ? "auth.admins" : "gc"), std::string::npos)
        << config.error().message;
  }
}

TEST(GcConfig, PullThroughNamespacesAreExemptByDefault) {
  GcConfig config;
  mirror::Upstream quay;
  quay.prefix = "quay.io";
  auto options = gc_options(config, {quay});
  EXPECT_TRUE(options.exempt("quay.io/org/app"));
  EXPECT_FALSE(options.exempt("quay.iox/app"));
  EXPECT_FALSE(options.exempt("local/app"));

  mirror::Upstream whole;
  EXPECT_TRUE(gc_options(config, {whole}).exempt("anything/at/all"));

  config.exempt = {auth::RepositoryPattern::parse("cache/**").value()};
  options = gc_options(config, {quay});
  EXPECT_FALSE(options.exempt("quay.io/org/app"));  // the list given replaces the default
  EXPECT_TRUE(options.exempt("cache/x"));
  EXPECT_EQ(options.grace, 1h);
}

}  // namespace
}  // namespace server
