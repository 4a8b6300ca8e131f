#include "client/link_header.h"

#include <gtest/gtest.h>

namespace client {
namespace {

TEST(NextLink, DistributionForm) {
  EXPECT_EQ(next_link(R"(</v2/x/tags/list?n=2&last=b>; rel="next")"), "/v2/x/tags/list?n=2&last=b");
}

TEST(NextLink, AmongOtherLinksAndSpellings) {
  EXPECT_EQ(
      next_link(
          R"(<https://r/v2/x/tags/list?last=a>; rel="prev", <https://r/v2/x/tags/list?last=z>;rel=next)"),
      "https://r/v2/x/tags/list?last=z");
  EXPECT_EQ(next_link(R"(</p?last=q>; title="a, b; c"; rel="first next")"), "/p?last=q");
  EXPECT_EQ(next_link(R"(</p>; REL="Next")"), "/p");
}

TEST(NextLink, NoneWhenAbsentOrMalformed) {
  EXPECT_EQ(next_link(""), std::nullopt);
  EXPECT_EQ(next_link(R"(</v2/x/tags/list?last=b>; rel="prev")"), std::nullopt);
  EXPECT_EQ(next_link(R"(</v2/x/tags/list?last=b; rel="next")"), std::nullopt);
  EXPECT_EQ(next_link(R"(rel="next")"), std::nullopt);
}

}  // namespace
}  // namespace client
