#include "events/event.h"

#include <gtest/gtest.h>

namespace events {
namespace {

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

TEST(Event, SurvivesTheOutbox) {
  const Event event = sample();
  metadata::OutboxEvent row = to_outbox(event);
  EXPECT_EQ(row.action, "tag");
  EXPECT_EQ(row.repository, "team/app");
  EXPECT_EQ(row.time_ms, 1764926059123);
  auto back = from_outbox(row);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->id, 42);
  EXPECT_EQ(back->time, event.time);
  EXPECT_EQ(back->action, Action::kTag);
  EXPECT_EQ(back->digest, event.digest);
  EXPECT_EQ(back->tag, "v1");
  EXPECT_EQ(back->media_type, event.media_type);
  EXPECT_EQ(back->size, 512u);
  EXPECT_EQ(back->user, "alice");
  EXPECT_EQ(back->source, "node-1");
  EXPECT_EQ(back->request.id, "r-1");
  EXPECT_EQ(back->request.addr, "127.0.0.1");
  EXPECT_EQ(back->request.host, "registry.example:5000");
  EXPECT_EQ(back->request.method, "PUT");
  EXPECT_EQ(back->request.user_agent, "skopeo");
  EXPECT_TRUE(back->request.secure);
}

TEST(Event, ABrokenRowIsAnError) {
  metadata::OutboxEvent row = to_outbox(sample());
  row.payload = "not json";
  EXPECT_FALSE(from_outbox(row));
  row = to_outbox(sample());
  row.action = "mount";
  EXPECT_FALSE(from_outbox(row));
}

TEST(Event, TimesAreRfc3339InUtcWithMilliseconds) {
  EXPECT_EQ(rfc3339(sample().time), "2025-12-05T09:14:19.123Z");
  EXPECT_EQ(rfc3339(std::chrono::system_clock::time_point()), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace events
