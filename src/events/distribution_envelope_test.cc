#include "events/distribution_envelope.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

namespace events {
namespace {

using nlohmann::json;

Event pull(std::int64_t id) {
  Event event;
  event.id = id;
  event.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764926059000));
  event.action = Action::kPull;
  event.repository = "library/busybox";
  event.digest = "sha256:" + std::string(64, 'c');
  event.media_type = "application/vnd.docker.distribution.manifest.v2+json";
  event.size = 527;
  event.user = "carol";
  event.request = Request{.id = "req-9",
                          .addr = "127.0.0.1",
                          .host = "reg:5000",
                          .method = "GET",
                          .user_agent = "docker/24"};
  event.source = "node-2";
  return event;
}

TEST(DistributionEnvelope, CarriesTheEventsInDistributionsFields) {
  const std::vector<Event> events{pull(1), pull(2)};
  const json body = json::parse(distribution_envelope(events));
  ASSERT_EQ(body["events"].size(), 2u);
  const json& event = body["events"][0];
  EXPECT_EQ(event["id"], "1");
  EXPECT_EQ(event["timestamp"], "2025-12-05T09:14:19.000Z");
  EXPECT_EQ(event["action"], "pull");
  EXPECT_EQ(event["target"]["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
  EXPECT_EQ(event["target"]["size"], 527);
  EXPECT_EQ(event["target"]["length"], 527);
  EXPECT_EQ(event["target"]["digest"], "sha256:" + std::string(64, 'c'));
  EXPECT_EQ(event["target"]["repository"], "library/busybox");
  EXPECT_EQ(event["target"]["url"],
            "http://reg:5000/v2/library/busybox/manifests/sha256:" + std::string(64, 'c'));
  EXPECT_FALSE(event["target"].contains("tag"));
  EXPECT_EQ(event["request"]["id"], "req-9");
  EXPECT_EQ(event["request"]["addr"], "127.0.0.1");
  EXPECT_EQ(event["request"]["host"], "reg:5000");
  EXPECT_EQ(event["request"]["method"], "GET");
  EXPECT_EQ(event["request"]["useragent"], "docker/24");
  EXPECT_EQ(event["actor"]["name"], "carol");
  EXPECT_EQ(event["source"]["instanceID"], "node-2");
  EXPECT_EQ(body["events"][1]["id"], "2");
}

}  // namespace
}  // namespace events
