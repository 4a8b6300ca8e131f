#include "server/status_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace server {
namespace {

using namespace std::chrono_literals;

TEST(StatusJson, EverySection) {
  StatusReport report;
  report.version = "1.2.3";
  report.started = std::chrono::system_clock::from_time_t(1'700'000'000);
  report.now = *report.started + 90s;
  report.storage = metadata::BlobTotals{.blobs = 3, .bytes = 4096};
  report.quotas = {{.pattern = "team/**", .limit = 3 << 20, .used = 1234}};
  report.gc_runs = {
      {.id = 2, .started_at = 1'700'000'060, .finished_at = 1'700'000'061, .bytes_freed = 10},
      {.id = 1,
       .started_at = 1'700'000'000,
       .finished_at = 1'700'000'001,
       .manifests_removed = 1,
       .blobs_removed = 2,
       .dry_run = true,
       .error = "disk on fire"},
  };
  report.sync = SyncSummary{.sets = 2, .running = 1, .failing = 1};
  report.mirror = true;
  const auto json = nlohmann::json::parse(status_json(report));
  EXPECT_EQ(json["version"], "1.2.3");
  EXPECT_EQ(json["started_at"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(json["uptime_seconds"], 90);
  EXPECT_EQ(json["storage"], (nlohmann::json{{"blobs", 3}, {"bytes", 4096}}));
  EXPECT_EQ(json["quotas"],
            nlohmann::json::parse(
                R"([{"namespace":"team/**","limit_bytes":3145728,"used_bytes":1234}])"));
  ASSERT_EQ(json["gc"].size(), 2u);
  EXPECT_EQ(json["gc"][0]["result"], "ok");
  EXPECT_TRUE(json["gc"][0]["error"].is_null());
  EXPECT_EQ(json["gc"][0]["bytes_freed"], 10);
  EXPECT_EQ(json["gc"][0]["started_at"], "2023-11-14T22:14:20Z");
  EXPECT_EQ(json["gc"][1]["result"], "failed");
  EXPECT_EQ(json["gc"][1]["error"], "disk on fire");
  EXPECT_EQ(json["gc"][1]["dry_run"], true);
  EXPECT_EQ(json["gc"][1]["manifests_removed"], 1);
  EXPECT_EQ(json["gc"][1]["blobs_removed"], 2);
  EXPECT_EQ(json["sync"]["sets"], 2);
  EXPECT_EQ(json["sync"]["failing"], 1);
  EXPECT_EQ(json["sync"]["href"], "/regmirror/v1/sync");
  EXPECT_EQ(json["upstreams"]["href"], "/regmirror/v1/upstreams");
}

TEST(StatusJson, WhatIsNotKnownOrNotConfigured) {
  StatusReport report;
  report.version = "1";
  const auto json = nlohmann::json::parse(status_json(report));
  EXPECT_TRUE(json["started_at"].is_null());
  EXPECT_TRUE(json["uptime_seconds"].is_null());
  EXPECT_TRUE(json["storage"].is_null());
  EXPECT_EQ(json["quotas"], nlohmann::json::array());
  EXPECT_EQ(json["gc"], nlohmann::json::array());
  EXPECT_FALSE(json.contains("sync"));
  EXPECT_FALSE(json.contains("upstreams"));
}

}  // namespace
}  // namespace server
