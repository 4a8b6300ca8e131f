#include "oci/tag_regex.h"

#include <gtest/gtest.h>

namespace oci {
namespace {

TEST(TagRegex, CompilesWhatRe2Reads) {
  for (const char* text : {"v1\\.[0-9]+", "^4\\.1[0-9](\\.[0-9]+)?$", "a{2}", "a{2,1000}", "[*+]+",
                           "a*?", "\\\\1"}) {
    const auto regex = compile_tag_regex(text);
    EXPECT_TRUE(regex) << text << ": " << regex.error();
  }
  const auto regex = compile_tag_regex("v1\\.[0-9]+");
  ASSERT_TRUE(regex);
  EXPECT_TRUE(std::regex_match("v1.22", *regex));
  EXPECT_FALSE(std::regex_match("v10.2", *regex));
}

TEST(TagRegex, RefusesWhatRe2RefusesOrLibstdcxxMishandles) {
  const std::string deep = std::string(600, '(') + std::string(600, ')');
  const std::string long_backreference = "0\\" + std::string(300, '4');
  for (const std::string& text :
       {std::string("(a)\\1"), std::string("\\0123"), long_backreference, std::string("a**"),
        std::string("a+*"), std::string("a{2}+"), std::string("a{1001}"),
        std::string("a{1,99999999999999999999}"), deep, std::string("[a-")}) {
    const auto regex = compile_tag_regex(text);
    ASSERT_FALSE(regex) << text;
    EXPECT_FALSE(regex.error().empty()) << text;
  }
}

}  // namespace
}  // namespace oci
