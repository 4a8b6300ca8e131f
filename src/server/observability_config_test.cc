#include <gtest/gtest.h>

#include "server/config.h"

namespace server {
namespace {

ServerConfig parsed(std::string_view yaml) {
  auto config = parse_server_config(yaml, "test.yml");
  EXPECT_TRUE(config.has_value()) << config.error().message;
  return config.value_or(ServerConfig{});
}

std::string refusal(std::string_view yaml) {
  auto config = parse_server_config(yaml, "test.yml");
  return config ? std::string("accepted") : config.error().message;
}

TEST(ObservabilityConfig, Defaults) {
  const ServerConfig config = parsed("");
  EXPECT_EQ(config.log_format, LogFormat::kJson);
  EXPECT_TRUE(config.access_log);
  EXPECT_EQ(config.log_level, "info");
  EXPECT_TRUE(config.metrics.enabled);
  EXPECT_EQ(config.metrics.path, "/metrics");
  EXPECT_EQ(config.metrics.auth, MetricsAuth::kNone);
}

TEST(ObservabilityConfig, EveryKey) {
  const ServerConfig config = parsed(
      "log: {level: debug, format: text, access: false}\n"
      "metrics: {enabled: false, path: /internal/metrics, auth: signed-in}\n");
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.log_format, LogFormat::kText);
  EXPECT_FALSE(config.access_log);
  EXPECT_FALSE(config.metrics.enabled);
  EXPECT_EQ(config.metrics.path, "/internal/metrics");
  EXPECT_EQ(config.metrics.auth, MetricsAuth::kSignedIn);
}

TEST(ObservabilityConfig, WrongValuesAreRefusedByName) {
  EXPECT_NE(refusal("log: {format: xml}").find("log.format"), std::string::npos);
  EXPECT_NE(refusal("metrics: {auth: admins}").find("metrics.auth"), std::string::npos);
  for (const char* path : {"metrics", "/", "/v2/metrics", "/healthz", "/token",
                           "/regmirror/v1/metrics", "/ui/metrics", "/ui", "/m?x=1"}) {
    EXPECT_NE(refusal(std::string("metrics: {path: \"") + path + "\"}").find("metrics.path"),
              std::string::npos)
        << path;
  }
}

}  // namespace
}  // namespace server
