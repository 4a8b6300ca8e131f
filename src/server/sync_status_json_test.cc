#include "server/sync_status_json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace server {
namespace {

using namespace std::chrono_literals;

TEST(SyncStatusJson, EverySetWithItsScheduleRunsAndTimes) {
  const auto t0 =
      imagesync::Clock::time_point(std::chrono::sys_days(std::chrono::year{2026} / 12 / 5)) + 2h +
      30min;
  imagesync::SetStatus done{
      imagesync::ScheduledSet{"ocp", "/etc/regmirror/ocp.yaml", imagesync::Schedule::every(6h), ""},
      false,
      imagesync::SetRun{t0, t0 + 95s, 12, 1, 4096, {"quay.io/a:1 -> localhost/a: gone", "\xff"}},
      t0 + 6h};
  imagesync::SetStatus running{
      imagesync::ScheduledSet{"nightly", "tools.yaml",
                              imagesync::Schedule::at(*imagesync::CronSchedule::parse("0 3 * * *")),
                              "mirror"},
      true, std::nullopt, std::nullopt};
  const auto body = nlohmann::json::parse(sync_status_json({done, running}));
  ASSERT_EQ(body["sets"].size(), 2u);
  const auto& ocp = body["sets"][0];
  EXPECT_EQ(ocp["name"], "ocp");
  EXPECT_EQ(ocp["config"], "/etc/regmirror/ocp.yaml");
  EXPECT_EQ(ocp["interval"], "6h");
  EXPECT_FALSE(ocp.contains("schedule"));
  EXPECT_EQ(ocp["running"], false);
  EXPECT_EQ(ocp["last_run"]["started"], "2026-12-05T02:30:00Z");
  EXPECT_EQ(ocp["last_run"]["finished"], "2026-12-05T02:31:35Z");
  EXPECT_EQ(ocp["last_run"]["images_ok"], 12);
  EXPECT_EQ(ocp["last_run"]["images_failed"], 1);
  EXPECT_EQ(ocp["last_run"]["bytes"], 4096);
  EXPECT_EQ(ocp["last_run"]["errors"][0], "quay.io/a:1 -> localhost/a: gone");
  EXPECT_EQ(ocp["last_run"]["errors"][1], "\xef\xbf\xbd");  // not UTF-8: replaced
  EXPECT_EQ(ocp["next_run"], "2026-12-05T08:30:00Z");
  const auto& nightly = body["sets"][1];
  EXPECT_EQ(nightly["schedule"], "0 3 * * *");
  EXPECT_FALSE(nightly.contains("interval"));
  EXPECT_EQ(nightly["prefix"], "mirror");
  EXPECT_EQ(nightly["running"], true);
  EXPECT_TRUE(nightly["last_run"].is_null());
  EXPECT_TRUE(nightly["next_run"].is_null());
  EXPECT_EQ(sync_status_json({}), R"({"sets":[]})");
}

}  // namespace
}  // namespace server
