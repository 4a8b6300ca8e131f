#include "metrics/text_format.h"

#include <gtest/gtest.h>

#include <limits>

namespace metrics {
namespace {

TEST(TextFormat, LabelValuesEscapeBackslashQuoteAndNewline) {
  std::string out;
  append_label_escaped(out, "a\\b\"c\nd");
  EXPECT_EQ(out, R"(a\\b\"c\nd)");
}

TEST(TextFormat, HelpEscapesBackslashAndNewlineButNotQuotes) {
  std::string out;
  append_help_escaped(out, "say \"hi\"\\\n");
  EXPECT_EQ(out, R"(say "hi"\\\n)");
}

TEST(TextFormat, NumbersAreShortestDecimalOrSpecialValues) {
  std::string out;
  for (double value : {0.0, 1.0, 0.005, 0.0001, 0.00025, -2.5, 1e21, 1e-9, 123456789.0}) {
    append_number(out, value);
    out += ' ';
  }
  append_number(out, std::numeric_limits<double>::infinity());
  out += ' ';
  append_number(out, -std::numeric_limits<double>::infinity());
  out += ' ';
  append_number(out, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(out, "0 1 0.005 0.0001 0.00025 -2.5 1e+21 1e-09 123456789 +Inf -Inf NaN");
}

TEST(TextFormat, SampleWithAndWithoutLabels) {
  std::string out;
  append_sample(out, "up", {}, 1);
  append_sample(out, "hits_total", {{"route", "manifest"}, {"code", "200"}}, 3);
  EXPECT_EQ(out, "up 1\nhits_total{route=\"manifest\",code=\"200\"} 3\n");
}

TEST(TextFormat, Names) {
  EXPECT_TRUE(valid_metric_name("regmirror_http_requests_total"));
  EXPECT_TRUE(valid_metric_name("job:rate5m"));
  EXPECT_FALSE(valid_metric_name(""));
  EXPECT_FALSE(valid_metric_name("1abc"));
  EXPECT_FALSE(valid_metric_name("a-b"));
  EXPECT_TRUE(valid_label_name("route"));
  EXPECT_FALSE(valid_label_name("__name__"));
  EXPECT_FALSE(valid_label_name("a:b"));
  EXPECT_FALSE(valid_label_name("9"));
}

}  // namespace
}  // namespace metrics
