#include "sync/schedule.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <optional>

namespace imagesync {
namespace {

using oci::ErrorCode;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

struct Field {
  const char* name;
  int min;
  int max;
};

constexpr std::array<Field, 5> kFields = {{{"minute", 0, 59},
                                           {"hour", 0, 23},
                                           {"day-of-month", 1, 31},
                                           {"month", 1, 12},
                                           {"day-of-week", 0, 7}}};

std::optional<int> number(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// One field's values as bits min..max; an error names the field.
oci::Result<std::bitset<64>> parse_field(std::string_view text, const Field& field) {
  const auto bad = [&](std::string_view why) {
    return oci::fail(ErrorCode::kInternal,
                     fmt::format("{} field \"{}\": {}", field.name, text, why));
  };
  std::bitset<64> bits;
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    int step = 1;
    const bool stepped = item.find('/') != std::string_view::npos;
    if (const auto slash = item.find('/'); stepped) {
      auto parsed = number(item.substr(slash + 1));
      if (!parsed || *parsed < 1) return bad("a step must be a number above 0");
      step = *parsed;
      item = item.substr(0, slash);
    }
    int low = field.min;
    int high = field.max;
    if (item != "*") {
      const auto dash = item.find('-');
      auto first = number(item.substr(0, dash));
      if (!first) return bad("expected *, a number, a range a-b or a step");
      low = *first;
      if (dash != std::string_view::npos) {
        auto last = number(item.substr(dash + 1));
        if (!last) return bad("expected *, a number, a range a-b or a step");
        high = *last;
      } else if (!stepped) {
        high = low;  // "a/n" runs from a to the end; "a" alone is a
      }
    }
    if (low < field.min || high > field.max || low > high) {
      return bad(fmt::format("values run from {} to {}", field.min, field.max));
    }
    for (int v = low; v <= high; v += step) bits.set(static_cast<std::size_t>(v));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return bits;
}

template <std::size_t N>
std::bitset<N> narrow(const std::bitset<64>& bits) {
  std::bitset<N> out;
  for (std::size_t i = 0; i < N; ++i) out[i] = bits[i];
  return out;
}

constexpr std::array<int, 13> kLongestMonth = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

}  // namespace

oci::Result<CronSchedule> CronSchedule::parse(std::string_view text) {
  std::array<std::string_view, 5> fields;
  std::size_t count = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    if (text[at] == ' ' || text[at] == '\t') {
      ++at;
      continue;
    }
    const std::size_t end = std::min(text.find_first_of(" \t", at), text.size());
    if (count == fields.size()) {
      count = fields.size() + 1;
      break;
    }
    fields[count++] = text.substr(at, end - at);
    at = end;
  }
  const auto bad = [&](std::string_view why) {
    return oci::fail(ErrorCode::kInternal, fmt::format("schedule \"{}\": {}", text, why));
  };
  if (count != fields.size()) {
    return bad("expected 5 fields: minute hour day-of-month month day-of-week");
  }
  CronSchedule cron;
  cron.text_ = std::string(text);
  std::array<std::bitset<64>, 5> bits;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    auto parsed = parse_field(fields[i], kFields[i]);
    if (!parsed) return bad(parsed.error().message);
    bits[i] = *parsed;
  }
  if (bits[4][7]) bits[4].set(0);  // 7 is Sunday too
  cron.minutes_ = narrow<60>(bits[0]);
  cron.hours_ = narrow<24>(bits[1]);
  cron.days_ = narrow<32>(bits[2]);
  cron.months_ = narrow<13>(bits[3]);
  cron.weekdays_ = narrow<7>(bits[4]);
  cron.any_day_ = fields[2].starts_with('*');
  cron.any_weekday_ = fields[4].starts_with('*');
  if (!cron.any_day_ && cron.any_weekday_) {
    // Only the day of the month decides: some chosen month must have some chosen day.
    bool possible = false;
    for (int month = 1; month <= 12 && !possible; ++month) {
      for (int day = 1; day <= kLongestMonth[month] && !possible; ++day) {
        possible = cron.months_[month] && cron.days_[day];
      }
    }
    if (!possible) return bad("no date matches it");
  }
  return cron;
}

bool CronSchedule::day_matches(std::chrono::sys_days day) const {
  const std::chrono::year_month_day date(day);
  if (!months_[static_cast<unsigned>(date.month())]) return false;
  const bool by_day = days_[static_cast<unsigned>(date.day())];
  const bool by_weekday = weekdays_[std::chrono::weekday(day).c_encoding()];
  if (any_day_ || any_weekday_) return by_day && by_weekday;
  return by_day || by_weekday;
}

Clock::time_point CronSchedule::next_after(Clock::time_point after) const {
  auto minute = std::chrono::floor<minutes>(after) + minutes(1);
  // parse() made sure some date matches; February 29th comes at least every 8 years.
  const auto give_up = minute + days(366 * 9);
  while (minute < give_up) {
    const auto day = std::chrono::floor<days>(minute);
    if (!day_matches(day)) {
      minute = day + days(1);
      continue;
    }
    const auto hour = std::chrono::floor<hours>(minute);
    if (!hours_[static_cast<std::size_t>((hour - day).count())]) {
      minute = hour + hours(1);
      continue;
    }
    if (minutes_[static_cast<std::size_t>((minute - hour).count())]) return minute;
    minute += minutes(1);
  }
  return Clock::time_point::max();
}

Clock::time_point Schedule::first_run(Clock::time_point start) const {
  if (const auto* cron = std::get_if<CronSchedule>(&when_)) return cron->next_after(start);
  return start;
}

Clock::time_point Schedule::next_run(Clock::time_point started, Clock::time_point finished) const {
  if (const auto* cron = std::get_if<CronSchedule>(&when_)) return cron->next_after(finished);
  return std::max(started + std::get<std::chrono::milliseconds>(when_), finished);
}

std::string Schedule::describe() const {
  if (const auto* cron = std::get_if<CronSchedule>(&when_)) return cron->text();
  return format_duration(std::get<std::chrono::milliseconds>(when_));
}

std::string format_duration(std::chrono::milliseconds duration) {
  const long long ms = duration.count();
  constexpr std::array<std::pair<long long, const char*>, 4> kUnits = {
      {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}}};
  for (const auto& [size, unit] : kUnits) {
    if (ms != 0 && ms % size == 0) return fmt::format("{}{}", ms / size, unit);
  }
  return fmt::format("{}ms", ms);
}

std::string format_utc(Clock::time_point time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto day = std::chrono::floor<days>(seconds);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss clock(seconds - day);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

}  // namespace imagesync
