#include "server/events_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "server/config.h"
#include "testsupport/temp_dir.h"

namespace server {
namespace {

TEST(EventsConfig, OffByDefault) {
  auto config = parse_server_config("", "c.yaml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_FALSE(config->events.enabled());
  EXPECT_EQ(config->events.retention, std::chrono::hours(24 * 7));
}

TEST(EventsConfig, ReadsEndpoints) {
  testsupport::TempDir dir;
  std::ofstream(dir / "secret") << "from-a-file\n";
  auto config = parse_server_config(R"(
events:
  retention: 2d
  endpoints:
    - name: ci
      url: http://127.0.0.1:9000/hook
      secret: s3cret
      timeout: 3s
      include: [team/**]
      exclude: [team/private/**]
      actions: [push, tag]
    - name: audit
      url: https://audit.example/events
      secret_file: )" + (dir / "secret").string() +
                                        R"(
      format: distribution
)",
                                    "c.yaml");
  ASSERT_TRUE(config) << config.error().message;
  const EventsConfig& events = config->events;
  EXPECT_EQ(events.retention, std::chrono::hours(48));
  ASSERT_EQ(events.endpoints.size(), 2u);
  EXPECT_EQ(events.endpoints[0].name, "ci");
  EXPECT_EQ(events.endpoints[0].secret, "s3cret");
  EXPECT_EQ(events.endpoints[0].timeout, std::chrono::seconds(3));
  EXPECT_EQ(events.endpoints[0].format, events::Format::kCloudEvents);
  EXPECT_EQ(events.endpoints[1].secret, "from-a-file");
  EXPECT_EQ(events.endpoints[1].format, events::Format::kDistribution);

  const auto endpoints = event_endpoints(events);
  const auto& ci = endpoints[0].accepts;
  EXPECT_TRUE(ci(events::Action::kPush, "team/app"));
  EXPECT_TRUE(ci(events::Action::kTag, "team/app"));
  EXPECT_FALSE(ci(events::Action::kPull, "team/app"));
  EXPECT_FALSE(ci(events::Action::kPush, "other/app"));
  EXPECT_FALSE(ci(events::Action::kPush, "team/private/app"));
  EXPECT_TRUE(endpoints[1].accepts(events::Action::kMirrorFetch, "anything"));
  EXPECT_FALSE(endpoints[0].pulls);
}

TEST(EventsConfig, PullsAreSentOnlyToEndpointsThatListThem) {
  auto config = parse_server_config(R"(
events:
  endpoints:
    - name: default
      url: http://127.0.0.1:9000/hook
    - name: pulls
      url: http://127.0.0.1:9001/hook
      actions: [pull, push]
)",
                                    "c.yaml");
  ASSERT_TRUE(config) << config.error().message;
  const auto endpoints = event_endpoints(config->events);
  EXPECT_FALSE(endpoints[0].accepts(events::Action::kPull, "a"));
  EXPECT_TRUE(endpoints[0].accepts(events::Action::kDelete, "a"));
  EXPECT_FALSE(endpoints[0].pulls);
  EXPECT_TRUE(endpoints[1].accepts(events::Action::kPull, "a"));
  EXPECT_FALSE(endpoints[1].accepts(events::Action::kDelete, "a"));
  EXPECT_TRUE(endpoints[1].pulls);
}

TEST(EventsConfig, RefusesMistakes) {
  const char* bad[] = {
      "events: {endpoints: [{url: 'http://127.0.0.1/'}]}",
      "events: {endpoints: [{name: a}]}",
      "events: {endpoints: [{name: a, url: 'ftp://x/'}]}",
      "events: {endpoints: [{name: a, url: 'http://x/'}, {name: a, url: 'http://y/'}]}",
      "events: {endpoints: [{name: a, url: 'http://x/', format: xml}]}",
      "events: {endpoints: [{name: a, url: 'http://x/', actions: [mount]}]}",
      "events: {endpoints: [{name: a, url: 'http://x/', include: ['a**']}]}",
      "events: {endpoints: [{name: a, url: 'http://x/', secret_file: /nonexistent/secret}]}",
      "events: {endpoints: [{name: a, url: 'http://x/', colour: red}]}",
      "events: {retention: soon}",
      "events: {other: 1}",
  };
  for (const char* text : bad) EXPECT_FALSE(parse_server_config(text, "c.yaml")) << text;
}

}  // namespace
}  // namespace server
