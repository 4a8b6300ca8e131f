#include "events/cloudevent.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace events {
namespace {

using nlohmann::json;

Event push() {
  Event event;
  event.id = 7;
  event.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764926059123));
  event.action = Action::kPush;
  event.repository = "team/app";
  event.digest = "sha256:" + std::string(64, 'b');
  event.tag = "latest";
  event.media_type = "application/vnd.oci.image.manifest.v1+json";
  event.size = 400;
  event.user = "bob";
  event.request = Request{
      .addr = "10.0.0.1", .host = "reg:5000", .method = "PUT", .user_agent = "containers/5.0"};
  event.source = "node-1";
  return event;
}

TEST(CloudEvent, IsAStructuredModeEvent) {
  const json body = json::parse(cloudevent_body(push()));
  EXPECT_EQ(body["specversion"], "1.0");
  EXPECT_EQ(body["id"], "7");
  EXPECT_EQ(body["source"], "/regmirror/node-1");
  EXPECT_EQ(body["type"], "io.regmirror.manifest.push");
  EXPECT_EQ(body["time"], "2025-12-05T09:14:19.123Z");
  EXPECT_EQ(body["subject"], "team/app@sha256:" + std::string(64, 'b'));
  EXPECT_EQ(body["datacontenttype"], "application/json");
  const json& data = body["data"];
  EXPECT_EQ(data["action"], "push");
  EXPECT_EQ(data["repository"], "team/app");
  EXPECT_EQ(data["tag"], "latest");
  EXPECT_EQ(data["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(data["size"], 400);
  EXPECT_EQ(data["user"], "bob");
  EXPECT_EQ(data["request"]["addr"], "10.0.0.1");
  EXPECT_EQ(data["request"]["method"], "PUT");
  EXPECT_EQ(data["request"]["useragent"], "containers/5.0");
  EXPECT_FALSE(data["request"].contains("id"));  // empty fields are left out
}

TEST(CloudEvent, ATagDeleteIsAboutTheTag) {
  Event event = push();
  event.action = Action::kDelete;
  event.digest.clear();
  const json body = json::parse(cloudevent_body(event));
  EXPECT_EQ(body["type"], "io.regmirror.manifest.delete");
  EXPECT_EQ(body["subject"], "team/app:latest");
  EXPECT_FALSE(body["data"].contains("digest"));
}

TEST(CloudEvent, EachActionHasItsType) {
  EXPECT_EQ(cloudevent_type(Action::kPull), "io.regmirror.manifest.pull");
  EXPECT_EQ(cloudevent_type(Action::kTag), "io.regmirror.tag.update");
  EXPECT_EQ(cloudevent_type(Action::kGcDelete), "io.regmirror.gc.delete");
  EXPECT_EQ(cloudevent_type(Action::kMirrorFetch), "io.regmirror.mirror.fetch");
}

}  // namespace
}  // namespace events
