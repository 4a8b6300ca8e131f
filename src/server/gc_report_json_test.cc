#include "server/gc_report_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace server {
namespace {

TEST(GcReportJson, CarriesEveryCount) {
  registry::GcReport report;
  report.manifests_removed = 1;
  report.blobs_removed = 2;
  report.bytes_freed = 300;
  report.links_removed = 4;
  report.leftovers_removed = 5;
  report.duration = std::chrono::milliseconds(6);
  report.dry_run = true;
  report.manifests = {"app@sha256:aa"};
  report.blobs = {"sha256:bb", "sha256:cc"};
  report.tags_removed = {
      {.repository = "app", .tag = "v0", .digest = "sha256:aa", .reason = "old"}};
  const auto json = nlohmann::json::parse(gc_report_json(report));
  EXPECT_EQ(json["manifests_removed"], 1);
  EXPECT_EQ(json["blobs_removed"], 2);
  EXPECT_EQ(json["bytes_freed"], 300);
  EXPECT_EQ(json["links_removed"], 4);
  EXPECT_EQ(json["leftovers_removed"], 5);
  EXPECT_EQ(json["duration_ms"], 6);
  EXPECT_EQ(json["dry_run"], true);
  EXPECT_EQ(json["manifests"], nlohmann::json::array({"app@sha256:aa"}));
  EXPECT_EQ(json["blobs"].size(), 2u);
  EXPECT_EQ(json["errors"], nlohmann::json::array());
  EXPECT_EQ(json["tags_removed"], 1);
  EXPECT_EQ(json["tags"][0],
            (nlohmann::json{
                {"repository", "app"}, {"tag", "v0"}, {"digest", "sha256:aa"}, {"reason", "old"}}));
}

TEST(RetentionReportJson, ListsTheTagsRemovedWithTheirReasons) {
  registry::RetentionReport report;
  report.dry_run = true;
  report.tags_kept = 3;
  report.duration = std::chrono::milliseconds(7);
  report.removed = {{.repository = "app", .tag = "v0", .digest = "sha256:aa", .reason = "old"}};
  const auto json = nlohmann::json::parse(retention_report_json(report));
  EXPECT_EQ(json["dry_run"], true);
  EXPECT_EQ(json["tags_removed"], 1);
  EXPECT_EQ(json["tags_kept"], 3);
  EXPECT_EQ(json["duration_ms"], 7);
  EXPECT_EQ(json["tags"][0]["reason"], "old");
}

TEST(GcRequest, EmptyOrAnObjectWithDryRun) {
  EXPECT_EQ(parse_gc_request(""), false);
  EXPECT_EQ(parse_gc_request(" \n"), false);
  EXPECT_EQ(parse_gc_request("{}"), false);
  EXPECT_EQ(parse_gc_request(R"({"dry_run": true})"), true);
  EXPECT_EQ(parse_gc_request(R"({"dry_run": false})"), false);
  for (const char* wrong : {"[]", "true", R"({"dry_run": "yes"})", R"({"grace": "1s"})", "{"}) {
    EXPECT_FALSE(parse_gc_request(wrong)) << wrong;
  }
}

}  // namespace
}  // namespace server
