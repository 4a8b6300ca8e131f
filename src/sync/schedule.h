// When a scheduled sync set runs (`mirror.sync` in the server's config): every interval, or
// at the minutes a 5-field cron expression names. Pure: times in, times out, UTC.
#pragma once

#include <bitset>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include "oci/error.h"

namespace imagesync {

using Clock = std::chrono::system_clock;

// "minute hour day-of-month month day-of-week", UTC, as crontab(5) writes it with numbers:
// each field `*`, a number, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (from a to the
// end), or a comma-separated list of those. Day of week 0-7, 0 and 7 both Sunday. When both
// day fields are restricted (neither starts with `*`), a day matching either one matches,
// as cron does.
class CronSchedule {
 public:
  // Fails on a malformed field, a value out of range, and a schedule no date can match
  // ("0 0 31 2 *").
  static oci::Result<CronSchedule> parse(std::string_view text);

  // The first matching minute strictly after `after`.
  Clock::time_point next_after(Clock::time_point after) const;
  const std::string& text() const { return text_; }

 private:
  bool day_matches(std::chrono::sys_days day) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1-31
  std::bitset<13> months_;   // 1-12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool any_day_ = true;      // day-of-month starts with `*`
  bool any_weekday_ = true;  // day-of-week starts with `*`
};

class Schedule {
 public:
  // `interval` above 0.
  static Schedule every(std::chrono::milliseconds interval) { return Schedule(interval); }
  static Schedule at(CronSchedule cron) { return Schedule(std::move(cron)); }

  // An interval runs at once; a cron schedule at its next match.
  Clock::time_point first_run(Clock::time_point start) const;
  // After a run: an interval after the last start, or at its end when the run took longer;
  // a cron schedule's next match after the end (a match missed while running is skipped, so
  // a set never runs twice at once).
  Clock::time_point next_run(Clock::time_point started, Clock::time_point finished) const;

  bool is_interval() const { return std::holds_alternative<std::chrono::milliseconds>(when_); }
  // "6h" for an interval, the expression for a cron schedule.
  std::string describe() const;

 private:
  explicit Schedule(std::chrono::milliseconds interval) : when_(interval) {}
  explicit Schedule(CronSchedule cron) : when_(std::move(cron)) {}
  std::variant<std::chrono::milliseconds, CronSchedule> when_;
};

// A sync set of `regmirror serve`: its sync.yaml, when it runs, where its repositories go.
struct ScheduledSet {
  std::string name;              // unique among the sets
  std::filesystem::path config;  // its sync.yaml
  Schedule schedule;
  std::string prefix;  // repository path prefix in this registry ("" = none)
};

// The largest unit that divides exactly: "6h", "90s", "1500ms", "2d".
std::string format_duration(std::chrono::milliseconds duration);
// RFC 3339 in UTC, whole seconds: "2026-12-05T02:30:00Z".
std::string format_utc(Clock::time_point time);

}  // namespace imagesync
