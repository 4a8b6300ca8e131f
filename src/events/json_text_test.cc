#include "events/json_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace events {
namespace {

TEST(JsonText, EscapesWhatJsonRequires) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\nd\x01", 8));
  EXPECT_EQ(out, R"("a\"b\\c\nd\u0001")");
  EXPECT_EQ(nlohmann::json::parse(out), std::string("a\"b\\c\nd\x01", 8));
}

TEST(JsonText, MembersFollowAComma) {
  std::string out = "{\"a\":1";
  append_json_member(out, "b", "x");
  out += '}';
  EXPECT_EQ(nlohmann::json::parse(out)["b"], "x");
}

}  // namespace
}  // namespace events
