#include "ui/view_text.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "oci/digest.h"
#include "ui/json_fields.h"

namespace ui {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string format_time(std::int64_t unix_seconds) {
  using namespace std::chrono;
  const sys_seconds time{seconds(unix_seconds)};
  const auto day = floor<days>(time);
  const year_month_day date(day);
  const hh_mm_ss clock(time - day);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return text;
}

std::string Platform::text() const {
  if (os.empty()) return {};
  std::string out = os;
  out.append("/").append(architecture);
  if (!variant.empty()) out.append("/").append(variant);
  return out;
}

nlohmann::json Platform::to_json() const {
  return {{"os", os}, {"architecture", architecture}, {"variant", variant}};
}

Platform Platform::from_json(const nlohmann::json& object) {
  return {string_member(object, "os"), string_member(object, "architecture"),
          string_member(object, "variant")};
}

bool contains_ignoring_case(std::string_view text, std::string_view needle) {
  const auto found =
      std::ranges::search(text, needle, [](char a, char b) { return lower(a) == lower(b); });
  return needle.empty() || !found.empty();
}

}  // namespace ui
