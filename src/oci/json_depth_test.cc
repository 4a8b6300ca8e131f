#include "oci/json_depth.h"

#include <gtest/gtest.h>

#include <string>

namespace oci {
namespace {

std::string nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonDepthTest, CountsArraysAndObjects) {
  EXPECT_FALSE(json_nests_deeper_than("", 0));
  EXPECT_FALSE(json_nests_deeper_than("1", 0));
  EXPECT_TRUE(json_nests_deeper_than("[]", 0));
  EXPECT_FALSE(json_nests_deeper_than(R"({"a":[1,{"b":2}],"c":{}})", 3));
  EXPECT_TRUE(json_nests_deeper_than(R"({"a":[1,{"b":2}],"c":{}})", 2));
  EXPECT_FALSE(json_nests_deeper_than(nested(kMaxJsonNesting)));
  EXPECT_TRUE(json_nests_deeper_than(nested(kMaxJsonNesting + 1)));
  EXPECT_TRUE(json_nests_deeper_than(nested(100000)));
}

TEST(JsonDepthTest, SiblingsDoNotAddUp) {
  std::string siblings = "[";
  for (int i = 0; i < 1000; ++i) siblings += "[[]],";
  siblings += "[]]";
  EXPECT_FALSE(json_nests_deeper_than(siblings, 3));
  EXPECT_TRUE(json_nests_deeper_than(siblings, 2));
}

TEST(JsonDepthTest, BracketsInStringsDoNotCount) {
  EXPECT_FALSE(json_nests_deeper_than(R"(["[[[{{{"])", 1));
  EXPECT_FALSE(json_nests_deeper_than(R"(["\"[[[", "\\"])", 1));
  EXPECT_TRUE(json_nests_deeper_than(R"(["\\", [[]]])", 2));  // the string ends after "\\"
}

}  // namespace
}  // namespace oci
