#include "server/access_log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace server {
namespace {

using namespace std::chrono_literals;

AccessRecord sample() {
  return {.time = std::chrono::system_clock::time_point(1'764'926'059'123ms),
          .method = "GET",
          .target = "/v2/team/app/manifests/1.0",
          .status = 200,
          .bytes = 512,
          .duration = 1500us,
          .remote = "127.0.0.1",
          .user = "alice",
          .user_agent = "skopeo/1.9 \"quoted\"\n",
          .repository = "team/app",
          .reference = "1.0",
          .request_id = "abc-123"};
}

TEST(AccessLog, Rfc3339InUtcWithMilliseconds) {
  EXPECT_EQ(rfc3339_millis(std::chrono::system_clock::time_point(1'764'926'059'123ms)),
            "2025-12-05T09:14:19.123Z");
  EXPECT_EQ(rfc3339_millis(std::chrono::system_clock::time_point(5ms)), "1970-01-01T00:00:00.005Z");
}

TEST(AccessLog, JsonLineKeepsTheOldKeysAndAddsTheNewOnes) {
  const auto line = nlohmann::json::parse(access_json(sample()));
  EXPECT_EQ(line["method"], "GET");
  EXPECT_EQ(line["path"], "/v2/team/app/manifests/1.0");
  EXPECT_EQ(line["status"], 200);
  EXPECT_EQ(line["bytes"], 512);
  EXPECT_DOUBLE_EQ(line["ms"].get<double>(), 1.5);
  EXPECT_EQ(line["remote"], "127.0.0.1");
  EXPECT_EQ(line["user"], "alice");
  EXPECT_EQ(line["time"], "2025-12-05T09:14:19.123Z");
  EXPECT_EQ(line["user_agent"], "skopeo/1.9 \"quoted\"\n");
  EXPECT_EQ(line["repository"], "team/app");
  EXPECT_EQ(line["reference"], "1.0");
  EXPECT_EQ(line["request_id"], "abc-123");
}

TEST(AccessLog, JsonLineSurvivesInvalidUtf8) {
  AccessRecord record = sample();
  record.target = "/v2/\xff/manifests/x";
  EXPECT_NO_THROW((void)nlohmann::json::parse(access_json(record)));
}

TEST(AccessLog, TextLineIsOneLineWithClientBytesEscaped) {
  EXPECT_EQ(access_text(sample()),
            "2025-12-05T09:14:19.123Z access 127.0.0.1 alice \"GET /v2/team/app/manifests/1.0\" "
            "200 512 1.500ms \"skopeo/1.9 \\x22quoted\\x22\\x0a\" abc-123");
  AccessRecord anonymous = sample();
  anonymous.user = "";
  anonymous.user_agent = "";
  EXPECT_NE(access_text(anonymous).find(" 127.0.0.1 - \""), std::string::npos);
  EXPECT_NE(access_text(anonymous).find("ms \"-\" abc-123"), std::string::npos);
}

}  // namespace
}  // namespace server
