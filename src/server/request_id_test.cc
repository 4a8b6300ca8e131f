#include "server/request_id.h"

#include <gtest/gtest.h>

#include <set>

namespace server {
namespace {

TEST(RequestId, SaneIdsAreShortVisibleAscii) {
  EXPECT_TRUE(sane_request_id("abc-123"));
  EXPECT_TRUE(sane_request_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
  EXPECT_TRUE(sane_request_id(std::string(kMaxRequestIdLength, 'x')));
  EXPECT_FALSE(sane_request_id(""));
  EXPECT_FALSE(sane_request_id(std::string(kMaxRequestIdLength + 1, 'x')));
  EXPECT_FALSE(sane_request_id("a b"));
  EXPECT_FALSE(sane_request_id("a\tb"));
  EXPECT_FALSE(sane_request_id(std::string("a\0b", 3)));
  EXPECT_FALSE(sane_request_id("caf\xc3\xa9"));
  EXPECT_FALSE(sane_request_id("a\x7f"));
}

TEST(RequestId, NewIdsAre32HexDigitsAndDiffer) {
  std::set<std::string> seen;
  std::string id;
  for (int i = 0; i < 1000; ++i) {
    new_request_id(id);
    ASSERT_EQ(id.size(), 32u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    EXPECT_TRUE(sane_request_id(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace server
