#include "mirror/tag_freshness.h"

#include <gtest/gtest.h>

namespace mirror {
namespace {

using std::chrono::seconds;

TEST(TagFreshness, UncheckedTagIsNotFresh) {
  TagFreshness freshness;
  EXPECT_FALSE(freshness.fresh("quay.io/app", "v1", seconds(300)));
}

TEST(TagFreshness, FreshUntilTheTtlPasses) {
  TagFreshness freshness;
  const auto start = TagFreshness::Clock::now();
  freshness.checked("quay.io/app", "v1", start);
  EXPECT_TRUE(freshness.fresh("quay.io/app", "v1", seconds(300), start + seconds(299)));
  EXPECT_FALSE(freshness.fresh("quay.io/app", "v1", seconds(300), start + seconds(300)));
  EXPECT_FALSE(freshness.fresh("quay.io/app", "v2", seconds(300), start));
  EXPECT_FALSE(freshness.fresh("quay.io/other", "v1", seconds(300), start));
}

TEST(TagFreshness, ForgetsTheOldestCheckPastItsCapacity) {
  TagFreshness freshness(2);
  const auto now = TagFreshness::Clock::now();
  freshness.checked("r", "old", now);
  freshness.checked("r", "mid", now + seconds(1));
  freshness.checked("r", "new", now + seconds(2));
  EXPECT_FALSE(freshness.fresh("r", "old", seconds(60), now + seconds(2)));
  EXPECT_TRUE(freshness.fresh("r", "mid", seconds(60), now + seconds(2)));
  EXPECT_TRUE(freshness.fresh("r", "new", seconds(60), now + seconds(2)));
}

}  // namespace
}  // namespace mirror
