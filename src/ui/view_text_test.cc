#include "ui/view_text.h"

#include <gtest/gtest.h>

namespace ui {
namespace {

TEST(FormatTime, IsRfc3339InUtc) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_time(1796461200), "2026-12-05T09:00:00Z");
}

TEST(PlatformText, JoinsTheVariantWhenThere) {
  EXPECT_EQ((Platform{"linux", "arm64", "v8"}.text()), "linux/arm64/v8");
  EXPECT_EQ((Platform{"linux", "amd64", ""}.text()), "linux/amd64");
  EXPECT_EQ(Platform{}.text(), "");
  EXPECT_EQ(Platform::from_json({{"os", "linux"}, {"architecture", 5}}).text(), "linux/");
  EXPECT_EQ(Platform::from_json(nullptr).text(), "");
}

TEST(ContainsIgnoringCase, ComparesAsciiWithoutCase) {
  EXPECT_TRUE(contains_ignoring_case("team/App", "APP"));
  EXPECT_TRUE(contains_ignoring_case("x", ""));
  EXPECT_FALSE(contains_ignoring_case("team/app", "apps"));
  EXPECT_FALSE(contains_ignoring_case("", "a"));
}

}  // namespace
}  // namespace ui
