#include "events/event.h"

#include <gtest/gtest.h>

#include <array>
#include <nlohmann/json.hpp>
#include <span>

#include "events/cloudevent.h"
#include "events/distribution_envelope.h"

namespace events {
namespace {

using nlohmann::json;

Event sample() {
  Event event;
  event.id = 42;
  event.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764926059123));
  event.action = Action::kTag;
  event.repository = "team/app";
  event.digest = "sha256:" + std::string(64, 'a');
  event.tag = "v1";
  event.media_type = "application/vnd.oci.image.manifest.v1+json";
  event.size = 512;
  event.user = "alice";
  event.request = Request{.id = "r-1",
                          .addr = "127.0.0.1",
                          .host = "registry.example:5000",
                          .method = "PUT",
                          .user_agent = "skopeo",
                          .secure = true};
  event.source = "node-1";
  return event;
}

TEST(Event, ActionsHaveNamesBothWays) {
  for (Action action : {Action::kPush, Action::kPull, Action::kDelete, Action::kTag,
                        Action::kGcDelete, Action::kMirrorFetch}) {
    EXPECT_EQ(parse_action(action_name(action)), action);
  }
  EXPECT_EQ(action_name(Action::kGcDelete), "gc.delete");
  EXPECT_EQ(parse_action("mount"), std::nullopt);
}

TEST(Event, SurvivesTheOutboxInEachFormat) {
  const Event event = sample();
  const metadata::OutboxEvent row = to_outbox(event);
  EXPECT_EQ(row.action, "tag");
  EXPECT_EQ(row.repository, "team/app");
  EXPECT_EQ(row.time_ms, 1764926059123);
  const auto cloudevent = payload_rest(row.payload, Format::kCloudEvents);
  ASSERT_TRUE(cloudevent);
  EXPECT_EQ(cloudevent_body(42, *cloudevent), cloudevent_body(event));
  const auto distribution = payload_rest(row.payload, Format::kDistribution);
  ASSERT_TRUE(distribution);
  const std::array<SerializedEvent, 1> stored{{{.id = 42, .rest = *distribution}}};
  EXPECT_EQ(distribution_envelope(stored), distribution_envelope(std::span(&event, 1)));
  const json parsed = json::parse(distribution_envelope(stored))["events"][0];
  EXPECT_EQ(parsed["id"], "42");
  EXPECT_EQ(parsed["target"]["url"],
            "https://registry.example:5000/v2/team/app/manifests/" + event.digest);
  EXPECT_EQ(parsed["request"]["useragent"], "skopeo");
}

TEST(Event, APayloadFromElsewhereIsRefused) {
  EXPECT_FALSE(payload_rest(R"({"digest":"sha256:aa","request":{}})", Format::kCloudEvents));
  EXPECT_FALSE(payload_rest("", Format::kDistribution));
}

TEST(Event, TimesAreRfc3339InUtcWithMilliseconds) {
  EXPECT_EQ(rfc3339(sample().time), "2025-12-05T09:14:19.123Z");
  EXPECT_EQ(rfc3339(std::chrono::system_clock::time_point()), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace events
