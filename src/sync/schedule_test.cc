#include "sync/schedule.h"

#include <gtest/gtest.h>

namespace imagesync {
namespace {

using namespace std::chrono_literals;

// "2026-12-05 02:30:15" (UTC) as a time point.
Clock::time_point at(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
  const std::chrono::sys_days day =
      std::chrono::year{y} / std::chrono::month{mo} / std::chrono::day{d};
  return day + std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s);
}

std::string next(std::string_view cron, Clock::time_point after) {
  auto parsed = CronSchedule::parse(cron);
  EXPECT_TRUE(parsed) << cron << ": " << parsed.error().message;
  if (!parsed) return "";
  return format_utc(parsed->next_after(after));
}

TEST(CronSchedule, NextMatchAfterATime) {
  const auto now = at(2026, 12, 5, 2, 30, 15);  // a Saturday
  struct Case {
    const char* cron;
    const char* next;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"* * * * *", "2026-12-05T02:31:00Z"},
           {"30 2 * * *", "2026-12-06T02:30:00Z"},  // strictly after: not this minute again
           {"31 2 * * *", "2026-12-05T02:31:00Z"},
           {"*/15 * * * *", "2026-12-05T02:45:00Z"},
           {"0 */6 * * *", "2026-12-05T06:00:00Z"},
           {"5,10 1-3 * * *", "2026-12-05T03:05:00Z"},
           {"5,10 0-2 * * *", "2026-12-06T00:05:00Z"},
           {"0 0 1 * *", "2027-01-01T00:00:00Z"},
           {"0 12 * 3 *", "2027-03-01T12:00:00Z"},
           {"0 9 * * 1-5", "2026-12-07T09:00:00Z"},  // next weekday: Monday
           {"0 9 * * 0", "2026-12-06T09:00:00Z"},    // Sunday as 0
           {"0 9 * * 7", "2026-12-06T09:00:00Z"},    // and as 7
           {"0 0 29 2 *", "2028-02-29T00:00:00Z"},
           // Both day fields restricted: either matches (the 10th, or a Monday).
           {"0 0 10 * 1", "2026-12-07T00:00:00Z"},
           {"15/20 * * * *", "2026-12-05T02:35:00Z"},  // 15, 35, 55
           {"0-10/5 3 * * *", "2026-12-05T03:00:00Z"},
           {"  0\t3  *  * *  ", "2026-12-05T03:00:00Z"},
       }) {
    EXPECT_EQ(next(c.cron, now), c.next) << c.cron;
  }
  EXPECT_EQ(next("59 23 31 12 *", at(2026, 12, 31, 23, 59, 30)), "2027-12-31T23:59:00Z");
}

TEST(CronSchedule, RefusesWhatIsNotAScheduleNamingWhy) {
  struct Case {
    const char* cron;
    const char* why;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"", "expected 5 fields"},
           {"* * * *", "expected 5 fields"},
           {"* * * * * *", "expected 5 fields"},
           {"60 * * * *", "minute field \"60\": values run from 0 to 59"},
           {"* 24 * * *", "hour field"},
           {"* * 0 * *", "day-of-month field"},
           {"* * * 13 *", "month field"},
           {"* * * * 8", "day-of-week field"},
           {"5-1 * * * *", "values run from"},
           {"*/0 * * * *", "a step must be a number above 0"},
           {"a * * * *", "expected *, a number"},
           {"1, * * * *", "expected *, a number"},
           {"-1 * * * *", "expected *, a number"},
           {"mon * * * *", "expected *, a number"},
           {"0 0 31 2 *", "no date matches it"},
           {"0 0 30,31 2 *", "no date matches it"},
       }) {
    auto parsed = CronSchedule::parse(c.cron);
    ASSERT_FALSE(parsed) << c.cron;
    EXPECT_NE(parsed.error().message.find(c.why), std::string::npos)
        << c.cron << ": " << parsed.error().message;
    EXPECT_TRUE(parsed.error().message.starts_with("schedule \"")) << parsed.error().message;
  }
}

TEST(Schedule, AnIntervalRunsAtOnceThenAnIntervalAfterEachStart) {
  const Schedule every = Schedule::every(6h);
  const auto start = at(2026, 12, 5, 0, 0);
  EXPECT_EQ(every.first_run(start), start);
  EXPECT_EQ(every.next_run(start, start + 10min), start + 6h);
  // A run longer than the interval: the next one starts when it ends, not twice at once.
  EXPECT_EQ(every.next_run(start, start + 7h), start + 7h);
  EXPECT_TRUE(every.is_interval());
  EXPECT_EQ(every.describe(), "6h");
}

TEST(Schedule, ACronScheduleRunsAtItsNextMatchAfterTheRunEnds) {
  const Schedule nightly = Schedule::at(*CronSchedule::parse("30 2 * * *"));
  const auto start = at(2026, 12, 5, 1, 0);
  EXPECT_EQ(nightly.first_run(start), at(2026, 12, 5, 2, 30));
  // A run from 02:30 that took 25 hours skips the match it overran.
  EXPECT_EQ(nightly.next_run(at(2026, 12, 5, 2, 30), at(2026, 12, 6, 3, 30)),
            at(2026, 12, 7, 2, 30));
  EXPECT_FALSE(nightly.is_interval());
  EXPECT_EQ(nightly.describe(), "30 2 * * *");
}

TEST(Schedule, FormatsDurationsAndTimes) {
  EXPECT_EQ(format_duration(6h), "6h");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(2min), "2m");
  EXPECT_EQ(format_duration(48h), "2d");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_utc(at(2026, 1, 2, 3, 4, 5) + 900ms), "2026-01-02T03:04:05Z");
}

}  // namespace
}  // namespace imagesync
